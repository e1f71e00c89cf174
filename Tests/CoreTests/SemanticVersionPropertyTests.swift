import MarketCore
import MarketTestSupport
import Testing

/// Properties of `SemanticVersion` and `^` ranges over a few thousand seeded random versions.
@Suite struct SemanticVersionPropertyTests {
    static let count = 3000

    /// Random valid semver.org 2.0 versions. Small numbers and a small vocabulary of
    /// identifiers make equal cores and shared pre-release prefixes common. Alphanumeric
    /// pre-release identifiers start with a letter here; identifiers such as "-1" are covered
    /// by `SemanticVersionTests.hyphenatedIdentifiersRankAboveNumericOnes`.
    static func randomVersion(using random: inout SplitMix64) -> SemanticVersion {
        func number() -> Int {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5: Int.random(in: 0..<3, using: &random)
            case 5..<8: Int.random(in: 0..<100, using: &random)
            default: Int.random(in: 0...999_999_999, using: &random)
            }
        }
        func text(first: String, rest: String, maximumLength: Int) -> String {
            var result = String(random.pick(Array(first)))
            for _ in 0..<Int.random(in: 0..<maximumLength, using: &random) { result.append(random.pick(Array(rest))) }
            return result
        }
        let letters = "abzABZrc"
        let identifierCharacters = "abzABZ019-"
        func prereleaseIdentifier() -> String {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4: String(Int.random(in: 0..<12, using: &random))
            case 4: String(Int.random(in: 1...999_999_999_999, using: &random))
            case 5..<8: random.pick(["alpha", "beta", "rc", "a", "b", "Z", "x-1", "alpha1"])
            default: text(first: letters, rest: identifierCharacters, maximumLength: 5)
            }
        }
        let prerelease = random.chance(0.5) ? (0..<Int.random(in: 1...4, using: &random)).map { _ in prereleaseIdentifier() } : []
        let build = random.chance(0.3)
            ? (0..<Int.random(in: 1...3, using: &random)).map { _ in text(first: identifierCharacters, rest: identifierCharacters, maximumLength: 6) }
            : []
        return SemanticVersion(number(), number(), number(), prerelease: prerelease, build: build)
    }

    static func randomVersions(seed: UInt64) -> [SemanticVersion] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in randomVersion(using: &random) }
    }

    /// semver.org §11 precedence, written out independently: -1, 0 or 1.
    static func precedence(_ a: SemanticVersion, _ b: SemanticVersion) -> Int {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
        for (x, y) in [(a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)] where x != y { return sign(x, y) }
        if a.prerelease.isEmpty || b.prerelease.isEmpty { return sign(a.prerelease.isEmpty ? 1 : 0, b.prerelease.isEmpty ? 1 : 0) }
        func isNumeric(_ text: String) -> Bool { text.utf8.allSatisfy { (48...57).contains($0) } }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (isNumeric(x), isNumeric(y)) {
            case (true, true): return x.count != y.count ? sign(x.count, y.count) : Array(x.utf8).lexicographicallyPrecedes(y.utf8) ? -1 : 1
            case (true, false): return -1
            case (false, true): return 1
            case (false, false): return Array(x.utf8).lexicographicallyPrecedes(y.utf8) ? -1 : 1
            }
        }
        return sign(a.prerelease.count, b.prerelease.count)
    }

    @Test func theDescriptionRoundTrips() throws {
        for version in Self.randomVersions(seed: 1) {
            let parsed = try #require(SemanticVersion(version.description), "\(version) does not parse")
            #expect(parsed == version)
            #expect(parsed.prerelease == version.prerelease && parsed.build == version.build, "\(version)")
            #expect(parsed.description == version.description)
        }
    }

    @Test func lessThanIsAStrictTotalOrderAgreeingWithSemver() {
        var random = SplitMix64(seed: 2)
        let versions = Self.randomVersions(seed: 3)
        for version in versions { #expect(!(version < version), "\(version) < itself") }
        var failures = 0
        for _ in 0..<(Self.count * 10) {
            let a = random.pick(versions), b = random.pick(versions)
            let expected = Self.precedence(a, b)
            let outcomes = [a < b, a == b, b < a]
            if outcomes.filter({ $0 }).count != 1 || outcomes != [expected < 0, expected == 0, expected > 0] {
                failures += 1
                Issue.record("\(a) vs \(b): <, ==, > gave \(outcomes), semver precedence is \(expected)")
                if failures > 10 { return }
            }
        }
    }

    @Test func sortingIsConsistentWithLessThan() {
        var random = SplitMix64(seed: 4)
        let sorted = Self.randomVersions(seed: 5).sorted()
        for (lower, higher) in zip(sorted, sorted.dropFirst()) {
            #expect(lower < higher || lower == higher, "\(lower) before \(higher)")
            #expect(Self.precedence(lower, higher) <= 0, "\(lower) before \(higher)")
        }
        // Transitivity: any earlier element is below or equal to any later one.
        for _ in 0..<(Self.count * 10) {
            let i = Int.random(in: sorted.indices, using: &random), j = Int.random(in: sorted.indices, using: &random)
            let (low, high) = (sorted[min(i, j)], sorted[max(i, j)])
            #expect(!(high < low), "\(high) < \(low) though sorted after it")
        }
        // Sorting by the independent precedence gives the same sequence up to build metadata.
        let reference = sorted.shuffled(using: &random).sorted { Self.precedence($0, $1) < 0 }
        #expect(reference == sorted)
    }

    @Test func aCaretRangeContainsItsVersionAndNotTheNextMajor() throws {
        for version in Self.randomVersions(seed: 6) {
            let range = try VersionRange("^\(version)")
            #expect(range.contains(version), "^\(version) does not contain \(version)")
            if version.major > 0 {
                var nextMajor = version
                nextMajor.major += 1
                #expect(!range.contains(nextMajor), "^\(version) contains \(nextMajor)")
                #expect(!range.contains(SemanticVersion(version.major + 1, 0, 0)), "^\(version) contains \(version.major + 1).0.0")
                #expect(!range.contains(SemanticVersion(version.major - 1, version.minor, version.patch)), "^\(version) contains an older major")
                #expect(range.contains(SemanticVersion(version.major, version.minor + 1, 0)), "^\(version) misses the next minor")
            }
        }
    }
}
