import Foundation
import MarketCore

/// An A/B test of models: weighted variants, each a provider plugin, an optional model and
/// request parameters. Variants are fixed once created, so assignments stay sticky.
public struct Experiment: Sendable, Equatable {
    public let id: String
    public let variants: [Variant]
    public let active: Bool
    public let createdAt: Date

    public init(id: String, variants: [Variant], active: Bool = true, createdAt: Date = Date()) {
        self.id = id
        self.variants = variants
        self.active = active
        self.createdAt = createdAt
    }

    /// One arm of an experiment.
    public struct Variant: Sendable, Equatable {
        public let name: String
        /// The model-provider plugin that answers in this arm.
        public let plugin: String
        /// The request's `model`; nil keeps the plugin's configured model.
        public let model: String?
        /// Merged into every request: `temperature`, `max_tokens`, …
        public let parameters: [String: JSONValue]
        /// A positive share; a variant gets weight / sum of weights of the users.
        public let weight: Int

        public init(name: String, plugin: String, model: String? = nil, parameters: [String: JSONValue] = [:], weight: Int) {
            self.name = name
            self.plugin = plugin
            self.model = model
            self.parameters = parameters
            self.weight = weight
        }

        var json: JSONValue {
            .object(["name": .string(name), "plugin": .string(plugin), "model": model.map(JSONValue.string) ?? .null,
                     "parameters": .object(parameters), "weight": .integer(Int64(weight))])
        }

        init?(json: JSONValue) {
            guard case .string(let name)? = json["name"], case .string(let plugin)? = json["plugin"],
                  let weight = json["weight"]?.integerValue else { return nil }
            let model: String? = if case .string(let text)? = json["model"] { text } else { nil }
            let parameters: [String: JSONValue] = if case .object(let members)? = json["parameters"] { members } else { [:] }
            self.init(name: name, plugin: plugin, model: model, parameters: parameters, weight: Int(weight))
        }
    }

    /// - Throws: `EXPERIMENT_INVALID` naming what is wrong.
    public func validate() throws {
        func invalid(_ problem: String, _ fix: String) -> MarketError {
            MarketError(.experimentInvalid, "experiment \(id.prefix(64)): \(problem)", fix: fix)
        }
        guard id.range(of: "^[a-z0-9][a-z0-9_-]{0,63}$", options: .regularExpression) != nil else {
            throw invalid("the id is not 1–64 of a–z 0–9 _ -", "choose an id such as \"models-2026-12\"")
        }
        guard variants.count >= 2 else { throw invalid("it has \(variants.count) variant(s)", "give at least two variants to compare") }
        guard Set(variants.map(\.name)).count == variants.count else { throw invalid("two variants share a name", "name each variant once") }
        for variant in variants {
            guard variant.name.range(of: "^[A-Za-z0-9_-]{1,32}$", options: .regularExpression) != nil else {
                throw invalid("variant '\(variant.name.prefix(32))' is not 1–32 of A–Z a–z 0–9 _ -", "rename the variant, e.g. \"a\" or \"gpt4o\"")
            }
            guard (1...1_000_000).contains(variant.weight) else {
                throw invalid("variant \(variant.name) has weight \(variant.weight)", "give each variant a weight from 1 to 1000000")
            }
            guard PluginManifest.isIdentifier(variant.plugin) else {
                throw invalid("variant \(variant.name) names '\(variant.plugin.prefix(64))', not a plugin id", "name an enabled model-provider plugin, e.g. openai")
            }
        }
    }

    /// The variant `userID` is in: the same one every time, without storing anything (a
    /// stable 64-bit FNV-1a hash of the experiment id and user id, mapped onto the weights).
    public func variant(for userID: String) -> Variant {
        let total = UInt64(variants.reduce(0) { $0 + $1.weight })
        var point = Self.stableHash(id + "\u{0}" + userID) % total
        for variant in variants {
            if point < UInt64(variant.weight) { return variant }
            point -= UInt64(variant.weight)
        }
        return variants[variants.count - 1]
    }

    /// FNV-1a, 64 bits, over UTF-8: the same on every machine and run (Swift's `Hasher` is
    /// seeded per process). The final mix spreads nearby inputs over the whole range.
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }
}

/// The experiment and variant in force for a user: stamped on conversations, messages,
/// feedback and every event.
public struct Assignment: Sendable, Equatable {
    public let experiment: String
    public let variant: String

    public init(experiment: String, variant: String) {
        self.experiment = experiment
        self.variant = variant
    }

    /// The envelope's `experiment` member.
    public var json: JSONValue { .object(["id": .string(experiment), "variant": .string(variant)]) }
}
