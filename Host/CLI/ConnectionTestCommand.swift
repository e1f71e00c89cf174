import ArgumentParser
import Foundation
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime

/// `market connections test PLUGIN --tenant T`: the plugin checks its connection step by step.
struct ConnectionTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Check a tenant's connection for a plugin step by step: its settings, its credentials, one harmless request.",
        discussion: """
            The plugin runs the steps (market.connection-test/1) and reports each with the service's own words; no token \
            or secret is shown. Exits with status 0 when every step passed and 1 when one failed. Plugins built before \
            ABI 1.5 offer no test. Example: market connections test amocrm --tenant acme
            """
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var network: AllowNetworkOptions

    @OptionGroup var options: TenantOptions

    func run() async throws {
        var passed = false
        try await reportingTenantErrors {
            let ranges = try network.ranges()
            let report = try await options.withBot { context in
                let connections = ConnectionStore(tenants: context.tenants, allowedRanges: ranges, logger: context.logger)
                let services = HostServices(logger: context.logger, keyValue: PostgresKeyValueStore(pool: context.pool),
                                            events: LoggedEvents(logger: context.logger), http: HTTPLimits(allowedRanges: ranges),
                                            documents: PostgresDocumentStore(pool: context.pool), connections: connections)
                let runtime = PluginRuntime(services: services)
                let host = PluginHost(runtime: runtime, folders: options.pluginFolderSet, tenants: context.tenants, logger: context.logger)
                let outcome = await Result(catching: { try await ConnectionChecks(host: host, tenants: context.tenants).test(plugin: plugin, tenant: tenant, by: options.principal) })
                await host.closeAll()
                await runtime.shutdown()
                return try outcome.get()
            }
            if options.output.json {
                print(report.json.jsonText)
            } else {
                for step in report.steps { print("\(step.ok ? "ok  " : "FAIL") \(step.step): \(step.detail)") }
                print(report.passed ? "the connection of \(plugin) for tenant \(tenant) works" : "the connection of \(plugin) for tenant \(tenant) does not work")
            }
            passed = report.passed
        }
        if !passed { throw ExitCode(1) }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body, to run what follows it either way.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
