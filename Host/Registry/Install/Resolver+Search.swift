import MarketCore

extension Resolver {
    /// One run of the backtracking search, collecting why each dead end was one.
    struct Search {
        let resolver: Resolver
        var steps = 0
        /// One sentence per dead end, in the order they were met.
        var failures: [String] = []
        /// Whether every dead end was a requested plugin with nothing to choose from.
        var onlyDirectFailures = true

        init(resolver: Resolver) {
            self.resolver = resolver
        }

        /// Satisfies `pending` in order on top of `chosen`; nil when no choice can.
        /// `constraints` holds every requirement met so far, by plugin.
        mutating func run(_ pending: ArraySlice<Requirement>, chosen: [String: Chosen], constraints: [String: [Requirement]]) throws -> [String: Chosen]? {
            guard let requirement = pending.first else { return chosen }
            let rest = pending.dropFirst()
            var constraints = constraints
            constraints[requirement.id, default: []].append(requirement)
            let all = constraints[requirement.id] ?? []
            if let existing = chosen[requirement.id] {
                if requirement.admits(existing.version) { return try run(rest, chosen: chosen, constraints: constraints) }
                let holders = all.dropLast().map { Self.sentence($0) }
                let why = existing.fixed ? "\(requirement.id) \(existing.version) is installed and stays"
                    : "\(requirement.id) \(existing.version) was chosen because \(holders.joined(separator: " and "))"
                record("\(Self.sentence(requirement)), but \(why)", direct: false)
                return nil
            }
            let (candidates, ruledOut) = resolver.candidates(requirement.id, all)
            guard !candidates.isEmpty else {
                let needs = all.map { Self.sentence($0) }.joined(separator: " and ")
                record("\(needs), but \(ruledOut ?? "nothing fits")", direct: requirement.direct && all.count == 1)
                return nil
            }
            for candidate in candidates {
                steps += 1
                guard steps <= Resolver.maximumSteps else {
                    throw MarketError(.dependencyConflict, "resolving the dependencies took more than \(Resolver.maximumSteps) steps",
                                      fix: "name narrower ranges (e.g. NAME@^2.1) so fewer combinations need trying")
                }
                var next = chosen
                next[requirement.id] = candidate
                let needs = try resolver.requirements(of: candidate.entry?.needs ?? [:], by: "\(requirement.id) \(candidate.version)")
                if let solution = try run(ArraySlice(needs + rest), chosen: next, constraints: constraints) { return solution }
            }
            return nil
        }

        private mutating func record(_ failure: String, direct: Bool) {
            failures.append(failure)
            if !direct { onlyDirectFailures = false }
        }

        /// "you asked for demo ^2.0" or "demo 2.0.0 needs base >=3.0".
        static func sentence(_ requirement: Requirement) -> String {
            requirement.direct ? "you asked for \(requirement.wanted)" : "\(requirement.by) needs \(requirement.wanted)"
        }
    }
}
