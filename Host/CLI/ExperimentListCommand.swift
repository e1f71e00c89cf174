import ArgumentParser
import MarketBot

/// `market experiments list --tenant T`
struct ExperimentListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a tenant's experiments, newest first.")

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let experiments = try await options.withBot { try await $0.experiments.list(tenant: tenant) }
            if experiments.isEmpty {
                print("no experiments yet (market experiments create ID --tenant \(tenant) --variant … --variant … makes one)")
            }
            for experiment in experiments {
                let variants = experiment.variants.map { "\($0.name)=\($0.plugin)\($0.model.map { "/" + $0 } ?? "")×\($0.weight)" }
                print("\(experiment.id)  \(experiment.active ? "active " : "stopped")  \(shortDate(experiment.createdAt))  \(variants.joined(separator: " "))")
            }
        }
    }
}

/// `market experiments stop --tenant T`
struct ExperimentStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the tenant's active experiment; its data stays for reports.")

    @Option(help: "The tenant.")
    var tenant: String

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let stopped = try await options.withBot { try await $0.experiments.stop(tenant: tenant) }
            print(stopped ? "stopped the active experiment of \(tenant)" : "\(tenant) has no active experiment")
        }
    }
}
