import ArgumentParser
import MarketCore
import MarketStore

/// `market hooks rotate PLUGIN --tenant T`
struct HooksRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Give a plugin's inbound hook a new id; the old URL stops answering at once."
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let hook = try await options.withStore { store, principal in try await store.rotateHook(plugin, tenant: tenant, by: principal) }
            if options.output.json {
                printJSON(hook.json.jsonText)
            } else {
                print("\(plugin)'s hook for tenant \(tenant) is now \(hook.path)/ (tell the senders; the old URL no longer answers)")
            }
        }
    }
}
