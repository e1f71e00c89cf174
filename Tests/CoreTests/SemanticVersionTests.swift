import MarketCore
import Testing

@Suite struct SemanticVersionTests {
    struct Parsed: Sendable, CustomTestStringConvertible {
        let text: String
        let major: Int, minor: Int, patch: Int
        let prerelease: [String]
        let build: [String]
        var testDescription: String { text }

        init(_ text: String, _ major: Int, _ minor: Int, _ patch: Int, prerelease: [String] = [], build: [String] = []) {
            self.text = text
            self.major = major
            self.minor = minor
            self.patch = patch
            self.prerelease = prerelease
            self.build = build
        }
    }

    @Test(arguments: [
        Parsed("0.0.0", 0, 0, 0),
        Parsed("1.2.3", 1, 2, 3),
        Parsed("10.20.30", 10, 20, 30),
        Parsed("999999999.999999999.999999999", 999_999_999, 999_999_999, 999_999_999),
        Parsed("1.0.0-alpha", 1, 0, 0, prerelease: ["alpha"]),
        Parsed("1.0.0-alpha.1", 1, 0, 0, prerelease: ["alpha", "1"]),
        Parsed("1.0.0-0.3.7", 1, 0, 0, prerelease: ["0", "3", "7"]),
        Parsed("1.0.0-x.7.z.92", 1, 0, 0, prerelease: ["x", "7", "z", "92"]),
        Parsed("1.0.0-x-y-z.--", 1, 0, 0, prerelease: ["x-y-z", "--"]),
        Parsed("2.1.0-beta.1", 2, 1, 0, prerelease: ["beta", "1"]),
        Parsed("1.0.0+20130313144700", 1, 0, 0, build: ["20130313144700"]),
        Parsed("1.0.0+001", 1, 0, 0, build: ["001"]),
        Parsed("1.0.0-beta+exp.sha.5114f85", 1, 0, 0, prerelease: ["beta"], build: ["exp", "sha", "5114f85"]),
        Parsed("1.0.0+21AF26D3----117B344092BD", 1, 0, 0, build: ["21AF26D3----117B344092BD"]),
        Parsed("1.0.0-rc.1+build-1", 1, 0, 0, prerelease: ["rc", "1"], build: ["build-1"]),
    ])
    func parsesValidVersions(_ expected: Parsed) throws {
        let version = try #require(SemanticVersion(expected.text))
        #expect(version.major == expected.major)
        #expect(version.minor == expected.minor)
        #expect(version.patch == expected.patch)
        #expect(version.prerelease == expected.prerelease)
        #expect(version.build == expected.build)
        #expect(version.description == expected.text)
    }

    @Test(arguments: [
        "", "1", "1.2", "1.2.3.4", "v1.2.3", "=1.2.3", " 1.2.3", "1.2.3 ",
        "01.0.0", "1.01.0", "1.0.01", "00.0.0",
        "1.2.-3", "-1.2.3", "1.2.3.", ".1.2.3", "1..3", "a.b.c", "1.2.3a",
        "1.2.3-", "1.2.3+", "1.2.3-+", "1.2.3-alpha.", "1.2.3-.alpha", "1.2.3-alpha..1", "1.2.3+build.", "1.2.3+.build",
        "1.2.3-al_pha", "1.2.3+bu ild", "1.2.3-é", "1.2.3+build+more",
        "1234567890.0.0", "1.٣.0", "１.2.3",
    ])
    func rejectsInvalidVersions(_ text: String) {
        #expect(SemanticVersion(text) == nil)
    }

    /// semver.org §9: numeric pre-release identifiers must not have leading zeros.
    @Test func rejectsNumericPrereleaseIdentifiersWithLeadingZeros() {
        #expect(SemanticVersion("1.0.0-01") == nil)
        #expect(SemanticVersion("1.0.0-alpha.007") == nil)
        #expect(SemanticVersion("1.0.0-0") != nil)
        #expect(SemanticVersion("1.0.0-0a") != nil)
    }

    /// The precedence example of semver.org §11.
    @Test func ordersAsTheSemverSpecificationExample() throws {
        let texts = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
        let versions = try texts.map { try #require(SemanticVersion($0)) }
        for (index, lower) in versions.enumerated() {
            for higher in versions[(index + 1)...] {
                #expect(lower < higher, "\(lower) < \(higher)")
                #expect(!(higher < lower), "!(\(higher) < \(lower))")
                #expect(lower != higher)
            }
        }
        #expect(versions.reversed().sorted() == versions)
        #expect(versions.shuffled().sorted().map(\.description) == texts)
    }

    @Test(arguments: [
        ("1.0.0", "2.0.0"), ("2.0.0", "2.1.0"), ("2.1.0", "2.1.1"),
        ("1.9.9", "1.10.0"), ("0.0.9", "0.0.10"), ("9.0.0", "10.0.0"),
        ("1.0.0-rc.1", "1.0.0"), ("1.0.0", "1.0.1-alpha"), ("1.0.0-1", "1.0.0-2"), ("1.0.0-2", "1.0.0-10"),
        ("1.0.0-10", "1.0.0-a"), ("1.0.0-Z", "1.0.0-a"), ("1.0.0-a", "1.0.0-a.0"), ("1.0.0-a.b", "1.0.0-a.b.c"),
    ])
    func ordersByPrecedence(lower: String, higher: String) throws {
        let low = try #require(SemanticVersion(lower))
        let high = try #require(SemanticVersion(higher))
        #expect(low < high)
        #expect(!(high < low))
        #expect(high > low)
    }

    /// semver.org §11: identifiers with letters or hyphens compare as text and rank above
    /// numeric identifiers; "-1" is such an identifier, not the number minus one.
    @Test func hyphenatedIdentifiersRankAboveNumericOnes() throws {
        let numeric = try #require(SemanticVersion("1.0.0-1"))
        let hyphenated = try #require(SemanticVersion("1.0.0--1"))
        #expect(numeric < hyphenated)
    }

    /// Two valid versions that are not equal must be ordered one way or the other.
    @Test(arguments: [("1.0.0-0", "1.0.0--0"), ("1.0.0-x.0", "1.0.0-x.-00"), ("1.0.0-rc.-1", "1.0.0-rc.-01")])
    func unequalVersionsAreOrdered(left: String, right: String) throws {
        let a = try #require(SemanticVersion(left))
        let b = try #require(SemanticVersion(right))
        #expect(a != b)
        #expect(a < b || b < a)
    }

    @Test(arguments: [
        ("1.0.0+build.1", "1.0.0+build.2"),
        ("1.0.0", "1.0.0+20260101"),
        ("1.0.0-beta+a", "1.0.0-beta+b.c"),
    ])
    func buildMetadataIsIgnoredForEqualityAndOrder(left: String, right: String) throws {
        let a = try #require(SemanticVersion(left))
        let b = try #require(SemanticVersion(right))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(Set([a, b]).count == 1)
        #expect(!(a < b) && !(b < a))
        #expect(a.description != b.description)
    }

    @Test func prereleaseIsNotIgnoredForEquality() throws {
        #expect(try #require(SemanticVersion("1.0.0-beta")) != #require(SemanticVersion("1.0.0")))
        #expect(try #require(SemanticVersion("1.0.0-beta")) != #require(SemanticVersion("1.0.0-beta.0")))
    }

    @Test func memberwiseInitialiserDescribesItself() {
        #expect(SemanticVersion(1, 2, 3).description == "1.2.3")
        #expect(SemanticVersion(1, 2, 3, prerelease: ["rc", "1"]).description == "1.2.3-rc.1")
        #expect(SemanticVersion(1, 2, 3, build: ["b", "7"]).description == "1.2.3+b.7")
        #expect(SemanticVersion(1, 2, 3, prerelease: ["x"], build: ["y"]).description == "1.2.3-x+y")
        #expect(SemanticVersion("1.2.3-rc.1") == SemanticVersion(1, 2, 3, prerelease: ["rc", "1"]))
    }
}
