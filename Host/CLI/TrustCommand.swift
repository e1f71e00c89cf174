import ArgumentParser

/// `market trust add|list|remove`
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Manage the publisher keys trusted for `market install --from FILE.mkpkg`.",
        discussion: "Packages from a registry are checked against the publisher keys its index pins; these keys are for package files.",
        subcommands: [TrustAddCommand.self, TrustListCommand.self, TrustRemoveCommand.self]
    )
}
