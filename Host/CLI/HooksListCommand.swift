import ArgumentParser
import MarketCore
import MarketStore

/// `market hooks list --tenant T`
struct HooksListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a tenant's inbound hooks: each plugin that takes inbound HTTP and its hook path (made on first ask)."
    )

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let hooks = try await options.withStore { store, principal in try await store.hooks(tenant: tenant, by: principal) }
            if options.output.json {
                printJSON(JSONValue.object(["hooks": .array(hooks.map(\.json))]).jsonText)
            } else if hooks.isEmpty {
                print("tenant \(tenant) has no plugin that takes inbound HTTP; enable one, e.g. `market enable webhooks --tenant \(tenant)`")
            } else {
                for hook in hooks { print("\(hook.pluginID)  \(hook.enabled ? "enabled " : "disabled")  \(hook.path)/") }
            }
        }
    }
}
