import ArgumentParser
import Foundation
import MarketStore

#if canImport(Glibc)
import Glibc
#endif

/// `market secret set PLUGIN NAME --tenant T [--value V]`
struct SecretSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Store a secret of a tenant's plugin; the value comes from standard input unless --value is given.",
        discussion: """
            One trailing newline of standard input is dropped. At a terminal the value is asked for without echo. \
            Example: printf %s "$OPENAI_API_KEY" | market secret set openai api_key --tenant acme
            """
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Argument(help: "The secret's name, as the plugin's manifest declares it.")
    var name: String

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: "The value (visible to other users in the process list and in shell history: prefer standard input).")
    var value: String?

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let secret = value ?? Self.readValue(name: name)
            try await options.withStore { store, principal in
                try await store.setSecret(name, value: secret, plugin: plugin, tenant: tenant, by: principal)
            }
            if options.output.json {
                try options.output.printJSON(encoding: ["plugin": plugin, "tenant": tenant, "name": name, "status": "set"])
            } else {
                print("stored secret \(name) of \(plugin) for tenant \(tenant)")
            }
        }
    }

    /// Standard input without its last newline, or at a terminal a line typed without echo.
    static func readValue(name: String) -> String {
        if isatty(STDIN_FILENO) == 1, let typed = getpass("value of \(name): ") {
            return String(cString: typed)
        }
        var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
