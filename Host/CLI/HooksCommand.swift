import ArgumentParser

/// `market hooks …`: a tenant's inbound hook URLs (docs/webhooks.md, "The hook URL").
struct HooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "List a tenant's inbound hook URLs and rotate them.",
        discussion: """
            Every installation of a plugin that takes inbound HTTP (permissions.ingress, such as webhooks) has one \
            opaque hook id; `market serve` hands POST, GET and PUT /hooks/<id>/… to that installation's plugin, which \
            authenticates the request itself. Rotating gives a new id; the old URL stops answering at once.
            """,
        subcommands: [HooksListCommand.self, HooksRotateCommand.self]
    )
}
