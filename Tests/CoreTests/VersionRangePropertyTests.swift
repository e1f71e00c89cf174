import MarketCore
import PropertyBased
import Testing

/// Properties of versions and ranges with shrinking generators: a failure reports the smallest
/// versions that still break the property, and a seed to replay it.
@Suite struct VersionRangePropertyTests {
    /// The core (major, minor, patch) of a version, for the pre-release rule.
    static func core(_ version: SemanticVersion) -> [Int] { [version.major, version.minor, version.patch] }

    /// npm's and Cargo's rule, written out independently: a pre-release matches only when a
    /// bound of the alternative names a pre-release of the same core.
    static func prereleaseAdmitted(_ candidate: SemanticVersion, bounds: [SemanticVersion]) -> Bool {
        candidate.prerelease.isEmpty || bounds.contains { !$0.prerelease.isEmpty && core($0) == core(candidate) }
    }

    @Test func aVersionRoundTripsThroughItsText() async {
        await propertyCheck(count: 500, input: CoreGen.version) { version throws in
            let parsed = SemanticVersion(version.description)
            #expect(parsed == version)
            #expect(parsed?.prerelease == version.prerelease && parsed?.build == version.build)
        }
    }

    @Test func orderingAgreesWithSemverPrecedence() async {
        await propertyCheck(count: 1_000, input: CoreGen.version, CoreGen.version) { a, b throws in
            let expected = SemanticVersionPropertyTests.precedence(a, b)
            #expect([a < b, a == b, b < a] == [expected < 0, expected == 0, expected > 0], "\(a) vs \(b)")
        }
    }

    /// `^v` is `>=v <upper`, where upper bumps the first non-zero number of v.
    @Test func aCaretRangeIsItsLowerAndUpperBound() async throws {
        await propertyCheck(count: 1_000, input: CoreGen.nearVersion, CoreGen.nearVersion) { base, candidate throws in
            let upper = base.major > 0 ? SemanticVersion(base.major + 1, 0, 0)
                : base.minor > 0 ? SemanticVersion(0, base.minor + 1, 0) : SemanticVersion(0, 0, base.patch + 1)
            let expected = base <= candidate && candidate < upper && Self.prereleaseAdmitted(candidate, bounds: [base, upper])
            #expect(try VersionRange("^\(base)").contains(candidate) == expected, "^\(base) contains \(candidate)")
        }
    }

    /// `~v` is `>=v <major.(minor+1).0`.
    @Test func aTildeRangeAllowsPatchesOnly() async throws {
        await propertyCheck(count: 1_000, input: CoreGen.nearVersion, CoreGen.nearVersion) { base, candidate throws in
            let upper = SemanticVersion(base.major, base.minor + 1, 0)
            let expected = base <= candidate && candidate < upper && Self.prereleaseAdmitted(candidate, bounds: [base, upper])
            #expect(try VersionRange("~\(base)").contains(candidate) == expected, "~\(base) contains \(candidate)")
        }
    }

    /// Space-separated comparators must all hold; `||` admits what either side admits.
    @Test func comparatorsAndAlternativesCombine() async throws {
        await propertyCheck(count: 1_000, input: CoreGen.nearVersion, CoreGen.nearVersion, CoreGen.nearVersion) { low, high, candidate throws in
            let both = try VersionRange(">=\(low) <\(high)")
            let expected = low <= candidate && candidate < high && Self.prereleaseAdmitted(candidate, bounds: [low, high])
            #expect(both.contains(candidate) == expected, ">=\(low) <\(high) contains \(candidate)")
            let either = try VersionRange("=\(low) || =\(high)")
            #expect(either.contains(candidate) == (candidate == low || candidate == high), "=\(low) || =\(high) contains \(candidate)")
        }
    }
}
