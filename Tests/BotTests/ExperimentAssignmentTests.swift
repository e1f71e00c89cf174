import MarketBot
import MarketCore
import Testing

@Suite struct ExperimentAssignmentTests {
    static let experiment = Experiment(id: "models-1", variants: [
        .init(name: "a", plugin: "openai", model: "small", weight: 70),
        .init(name: "b", plugin: "openai", model: "large", weight: 20),
        .init(name: "c", plugin: "anthropic", weight: 10),
    ])

    @Test func variantsAreStickyAndFollowTheWeights() throws {
        try Self.experiment.validate()
        let users = (0..<20_000).map { "user-\($0)" }
        var counts: [String: Int] = [:]
        for user in users { counts[Self.experiment.variant(for: user).name, default: 0] += 1 }
        // Within 1.5 percentage points of 70/20/10 over 20,000 users (about 4.5 standard deviations).
        #expect(abs(Double(counts["a", default: 0]) / 20_000 - 0.70) < 0.015, "\(counts)")
        #expect(abs(Double(counts["b", default: 0]) / 20_000 - 0.20) < 0.015, "\(counts)")
        #expect(abs(Double(counts["c", default: 0]) / 20_000 - 0.10) < 0.015, "\(counts)")
        // Sticky: asking again, or from a copy of the experiment, gives the same variant.
        let copy = Experiment(id: "models-1", variants: Self.experiment.variants)
        for user in users.prefix(2_000) { #expect(Self.experiment.variant(for: user) == copy.variant(for: user)) }
        // Another experiment shuffles users independently.
        let other = Experiment(id: "models-2", variants: Self.experiment.variants)
        let moved = users.prefix(2_000).filter { Self.experiment.variant(for: $0) != other.variant(for: $0) }.count
        #expect(moved > 500)
    }

    @Test func knownAssignmentsNeverChange() {
        // Computed by an independent implementation of the documented hash (FNV-1a 64 of
        // "models-1\0USER" with the final mix, modulo the total weight): a change to the hash
        // would move every user of the experiments running.
        let users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
        #expect(users.map { Self.experiment.variant(for: $0).name } == ["a", "a", "c", "a", "a", "a", "b", "a", "b", "a"])
    }

    @Test func invalidExperimentsAreRefused() {
        let bad = [
            Experiment(id: "x", variants: [.init(name: "a", plugin: "openai", weight: 1)]),
            Experiment(id: "Bad Id", variants: [.init(name: "a", plugin: "openai", weight: 1), .init(name: "b", plugin: "openai", weight: 1)]),
            Experiment(id: "x", variants: [.init(name: "a", plugin: "openai", weight: 0), .init(name: "b", plugin: "openai", weight: 1)]),
            Experiment(id: "x", variants: [.init(name: "a", plugin: "openai", weight: 1), .init(name: "a", plugin: "openai", weight: 1)]),
            Experiment(id: "x", variants: [.init(name: "a", plugin: "Open AI", weight: 1), .init(name: "b", plugin: "openai", weight: 1)]),
        ]
        for experiment in bad {
            #expect((#expect(throws: MarketError.self) { try experiment.validate() })?.code == .experimentInvalid)
        }
    }
}
