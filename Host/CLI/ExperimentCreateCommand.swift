import ArgumentParser
import Foundation
import MarketBot
import MarketCore

/// `market experiments create ID --tenant T --variant … --variant …`
struct ExperimentCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an experiment and make it the tenant's active one (stopping the one before).",
        discussion: """
            A variant is name=…,plugin=…[,model=…][,weight=N][,PARAMETER=VALUE…]: other keys become request \
            parameters (values read as JSON when they parse). Or give a JSON object.
            Example: market experiments create models-1 --tenant acme \
            --variant name=small,plugin=openai,model=gpt-4o-mini,weight=50 \
            --variant name=large,plugin=openai,model=gpt-4o,weight=50,temperature=0.2
            """
    )

    @Argument(help: "The experiment's id (1–64 of a–z 0–9 _ -).")
    var id: String

    @Option(help: "The tenant.")
    var tenant: String

    @Option(name: .customLong("variant"), help: ArgumentHelp("A variant (repeat for each).", valueName: "name=…,plugin=…,weight=N"))
    var variants: [String] = []

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            let experiment = Experiment(id: id, variants: try variants.map(Self.variant))
            try experiment.validate()
            try await options.withBot { try await $0.experiments.create(experiment, tenant: tenant) }
            print("experiment \(id) is active for \(tenant): " + experiment.variants.map { "\($0.name) (weight \($0.weight))" }.joined(separator: ", "))
        }
    }

    /// Reads one `--variant`.
    static func variant(_ text: String) throws -> Experiment.Variant {
        var fields: [String: JSONValue] = [:]
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("{") {
            guard case .object(let members)? = try? JSONValue(parsing: text) else {
                throw MarketError(.experimentInvalid, "the variant '\(text.prefix(60))' is not a JSON object", fix: "write it as {\"name\":…,\"plugin\":…,\"weight\":N}")
            }
            fields = members
        } else {
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw MarketError(.experimentInvalid, "the variant '\(text.prefix(60))' has '\(pair.prefix(40))', not key=value",
                                      fix: "write variants as name=a,plugin=openai,model=gpt-4o-mini,weight=50")
                }
                let key = String(parts[0]), value = String(parts[1])
                fields[key] = ["name", "plugin", "model"].contains(key) ? .string(value) : (try? JSONValue(parsing: value)) ?? .string(value)
            }
        }
        guard case .string(let name)? = fields.removeValue(forKey: "name"), case .string(let plugin)? = fields.removeValue(forKey: "plugin") else {
            throw MarketError(.experimentInvalid, "the variant '\(text.prefix(60))' needs a name and a plugin", fix: "add name=…,plugin=…")
        }
        let model: String? = if case .string(let value)? = fields.removeValue(forKey: "model") { value } else { nil }
        let weight: Int
        let given = fields.removeValue(forKey: "weight")
        if given == nil {
            weight = 1
        } else if let whole = given?.integerValue, (1...1_000_000).contains(whole) {
            weight = Int(whole)
        } else {
            throw MarketError(.experimentInvalid, "variant \(name) has a weight that is not a whole number from 1 to 1000000", fix: "write weight=50")
        }
        return Experiment.Variant(name: name, plugin: plugin, model: model, parameters: fields, weight: weight)
    }
}
