import MarketCore
import Testing

@Suite struct VersionRangeTests {
    /// A range with versions it must contain and versions it must not.
    struct Case: Sendable, CustomTestStringConvertible {
        let range: String
        let inside: [String]
        let outside: [String]
        var testDescription: String { range }

        init(_ range: String, inside: [String], outside: [String]) {
            self.range = range
            self.inside = inside
            self.outside = outside
        }
    }

    static let caret: [Case] = [
        Case("^1.2.3", inside: ["1.2.3", "1.2.4", "1.3.0", "1.99.99", "1.2.3+build"], outside: ["1.2.2", "2.0.0", "0.9.9", "2.0.0-alpha", "1.3.0-beta"]),
        Case("^1.2", inside: ["1.2.0", "1.9.0"], outside: ["1.1.9", "2.0.0"]),
        Case("^1", inside: ["1.0.0", "1.99.0"], outside: ["0.9.0", "2.0.0"]),
        Case("^0.2.3", inside: ["0.2.3", "0.2.9"], outside: ["0.2.2", "0.3.0", "1.0.0"]),
        Case("^0.0.3", inside: ["0.0.3"], outside: ["0.0.2", "0.0.4", "0.1.0"]),
        Case("^0.2", inside: ["0.2.0", "0.2.7"], outside: ["0.1.9", "0.3.0"]),
        Case("^0.0", inside: ["0.0.0", "0.0.9"], outside: ["0.1.0"]),
        Case("^0", inside: ["0.0.0", "0.9.9"], outside: ["1.0.0"]),
        Case("^1.0", inside: ["1.0.0", "1.4.2"], outside: ["0.9.0", "2.0.0", "1.0.0-rc.1"]),
    ]

    static let tilde: [Case] = [
        Case("~1.2.3", inside: ["1.2.3", "1.2.9"], outside: ["1.2.2", "1.3.0", "2.0.0"]),
        Case("~1.2", inside: ["1.2.0", "1.2.9"], outside: ["1.1.9", "1.3.0"]),
        Case("~1", inside: ["1.0.0", "1.9.9"], outside: ["0.9.9", "2.0.0"]),
        Case("~0.2.3", inside: ["0.2.3", "0.2.4"], outside: ["0.3.0"]),
    ]

    static let comparators: [Case] = [
        Case(">=1.2.3", inside: ["1.2.3", "1.2.4", "5.0.0"], outside: ["1.2.2", "0.0.1"]),
        Case(">1.2.3", inside: ["1.2.4", "2.0.0"], outside: ["1.2.3", "1.0.0"]),
        Case("<=1.2.3", inside: ["1.2.3", "0.0.0"], outside: ["1.2.4", "2.0.0"]),
        Case("<1.2.3", inside: ["1.2.2", "0.1.0"], outside: ["1.2.3", "1.3.0"]),
        Case(">=1.0 <2.0", inside: ["1.0.0", "1.9.9"], outside: ["0.9.9", "2.0.0"]),
        Case(">=1.0.0 <=1.0.0", inside: ["1.0.0"], outside: ["1.0.1", "0.9.9"]),
        Case("  >1.0.0   <1.2.0  ", inside: ["1.1.0"], outside: ["1.0.0", "1.2.0"]),
        Case(">2.0.0 <1.0.0", inside: [], outside: ["0.5.0", "1.5.0", "2.5.0"]),
    ]

    static let exact: [Case] = [
        Case("1.4.0", inside: ["1.4.0", "1.4.0+build.7"], outside: ["1.4.1", "1.3.9", "1.4.0-rc.1"]),
        Case("=1.4.0", inside: ["1.4.0"], outside: ["1.4.1", "1.3.9"]),
        Case("1.4.0-rc.1", inside: ["1.4.0-rc.1"], outside: ["1.4.0", "1.4.0-rc.2"]),
    ]

    /// Partial versions name a span: `=1.2` is `>=1.2.0 <1.3.0`, `<=1.2` is `<1.3.0`, `>1.2` is `>=1.3.0`.
    static let partial: [Case] = [
        Case("=1.2", inside: ["1.2.0", "1.2.9"], outside: ["1.1.9", "1.3.0"]),
        Case("1.2", inside: ["1.2.0", "1.2.9"], outside: ["1.1.9", "1.3.0"]),
        Case("=1", inside: ["1.0.0", "1.9.9"], outside: ["0.9.9", "2.0.0"]),
        Case("1", inside: ["1.0.0", "1.9.9"], outside: ["0.9.9", "2.0.0"]),
        Case("<=1.2", inside: ["1.2.0", "1.2.9", "0.0.1"], outside: ["1.3.0"]),
        Case("<=1", inside: ["1.9.9"], outside: ["2.0.0"]),
        Case(">1.2", inside: ["1.3.0", "2.0.0"], outside: ["1.2.0", "1.2.9"]),
        Case(">1", inside: ["2.0.0"], outside: ["1.9.9"]),
        Case("<1.2", inside: ["1.1.9"], outside: ["1.2.0"]),
        Case(">=1.2", inside: ["1.2.0"], outside: ["1.1.9"]),
    ]

    static let alternatives: [Case] = [
        Case("^1.0 || ^3.0", inside: ["1.2.0", "3.1.0"], outside: ["2.0.0", "0.9.0", "4.0.0"]),
        Case("<1.0.0||>=2.0.0", inside: ["0.5.0", "2.0.0"], outside: ["1.0.0", "1.9.9"]),
        Case("1.0.0 || 1.1.0 || 1.2.0", inside: ["1.0.0", "1.1.0", "1.2.0"], outside: ["1.0.1", "1.3.0"]),
        Case(">=1.0 <1.5 || >=2.0 <2.5", inside: ["1.4.9", "2.4.9"], outside: ["1.5.0", "2.5.0", "1.9.0"]),
    ]

    static let any: [Case] = [
        Case("*", inside: ["0.0.0", "1.0.0", "999999999.0.0"], outside: ["1.0.0-alpha"]),
        Case(" * ", inside: ["3.2.1"], outside: []),
    ]

    /// A pre-release satisfies a range only when a comparator of the same alternative names a
    /// pre-release of the same MAJOR.MINOR.PATCH.
    static let prerelease: [Case] = [
        Case(">=1.2.3-alpha.3", inside: ["1.2.3-alpha.3", "1.2.3-alpha.7", "1.2.3-beta", "1.2.3", "3.4.5"], outside: ["1.2.3-alpha.2", "3.4.5-alpha.9"]),
        Case("^1.2.3-beta.2", inside: ["1.2.3-beta.2", "1.2.3-beta.4", "1.2.4"], outside: ["1.2.3-beta.1", "1.2.4-beta.2", "2.0.0-alpha"]),
        Case("<2.0.0", inside: ["1.9.9"], outside: ["2.0.0-rc.1", "1.0.0-alpha"]),
        Case(">=1.0.0-rc.1 <2.0.0", inside: ["1.0.0-rc.2", "1.5.0"], outside: ["1.0.1-rc.1", "2.0.0-beta"]),
        Case("~1.2.3-rc.1", inside: ["1.2.3-rc.1", "1.2.3-rc.2", "1.2.5"], outside: ["1.2.4-rc.1"]),
        Case("^1.0 || >=2.0.0-beta.1 <3", inside: ["2.0.0-beta.2", "1.1.0"], outside: ["1.1.0-beta"]),
    ]

    @Test(arguments: caret + tilde + comparators + exact + partial + alternatives + any + prerelease)
    func containsWhatItShould(_ test: Case) throws {
        let range = try VersionRange(test.range)
        for text in test.inside {
            let version = try #require(SemanticVersion(text))
            #expect(range.contains(version), "\(test.range) should contain \(text)")
        }
        for text in test.outside {
            let version = try #require(SemanticVersion(text))
            #expect(!range.contains(version), "\(test.range) should not contain \(text)")
        }
    }

    @Test(arguments: [
        ("", "empty"), ("   ", "empty"), ("\t", "empty"),
        ("||", "empty alternative"), ("^1.0 ||", "empty alternative"), ("|| ^1.0", "empty alternative"),
        ("^1.0 ||  || ^2.0", "empty alternative"), ("^1.0 || \t", "empty alternative"),
        ("garbage", "is not a version"), ("1.x", "is not a version"), ("^", "is not a version"), ("~", "is not a version"),
        (">= 1.0", "is not a version"), ("v1.0.0", "is not a version"), ("1.2.3.4", "is not a version"),
        ("^01.2", "is not a version"), ("1.2-beta", "is not a version"), ("^1.0 | ^2.0", "is not a version"),
        ("**", "is not a version"), ("^1.0,^2.0", "is not a version"), ("1.2.3-", "is not a version"), ("^-1", "is not a version"),
        (">=1.0 garbage", "is not a version"), ("1.", "is not a version"), (".1", "is not a version"),
    ])
    func invalidRangesThrowVersionInvalid(text: String, problem: String) {
        let error = #expect(throws: MarketError.self) { try VersionRange(text) }
        #expect(error?.code == .versionInvalid)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
        #expect(error?.fix.isEmpty == false)
    }

    @Test func theMessageNamesTheBadVersionAndTheRange() {
        let error = #expect(throws: MarketError.self) { try VersionRange(" >=1.0 <2.x ") }
        #expect(error?.message == "'2.x' in the range '>=1.0 <2.x' is not a version")
    }

    @Test(arguments: [("^1.0", "^1.0"), ("  >=1.0 <2.0\t", ">=1.0 <2.0"), ("*", "*")])
    func descriptionIsTheTrimmedText(text: String, description: String) throws {
        #expect(try VersionRange(text).description == description)
    }
}
