import Foundation

/// A set of versions written the npm/Cargo way: `^1.2`, `~1.2.3`, `>=1.0 <2.0`, `=1.4.0`,
/// `1.4.0` (exact), `*`. Space-separated comparators must all hold; `||` joins alternatives.
public struct VersionRange: Sendable, CustomStringConvertible {
    struct Comparator: Sendable {
        enum Operation: Sendable { case less, lessOrEqual, greater, greaterOrEqual, equal }
        let operation: Operation
        let version: SemanticVersion

        func admits(_ candidate: SemanticVersion) -> Bool {
            switch operation {
            case .less: candidate < version
            case .lessOrEqual: candidate <= version
            case .greater: candidate > version
            case .greaterOrEqual: candidate >= version
            case .equal: candidate == version
            }
        }
    }

    let alternatives: [[Comparator]]
    public let description: String

    /// Parses `text`, throwing `VERSION_INVALID` with what was wrong.
    public init(_ text: String) throws {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else {
            throw MarketError(.versionInvalid, "the version range is empty", fix: "write a range such as ^1.0 or >=1.0 <2.0")
        }
        var alternatives: [[Comparator]] = []
        for alternative in trimmed.components(separatedBy: "||") {
            guard !alternative.trimmingSpaces.isEmpty else {
                throw MarketError(.versionInvalid, "the range '\(trimmed)' has an empty alternative around '||'",
                                  fix: "write a range on each side of '||', e.g. ^1.0 || ^2.0")
            }
            var all: [Comparator] = []
            for word in alternative.split(separator: " ") {
                all += try Self.comparators(String(word), in: trimmed)
            }
            alternatives.append(all)
        }
        self.alternatives = alternatives
        self.description = trimmed
    }

    /// Whether `version` is in the range. Pre-releases match only comparators that name a
    /// pre-release of the same major.minor.patch, as npm and Cargo do.
    public func contains(_ version: SemanticVersion) -> Bool {
        alternatives.contains { comparators in
            comparators.allSatisfy { $0.admits(version) } && (version.prerelease.isEmpty || comparators.contains {
                !$0.version.prerelease.isEmpty && ($0.version.major, $0.version.minor, $0.version.patch) == (version.major, version.minor, version.patch)
            })
        }
    }

    private static func comparators(_ word: String, in range: String) throws -> [Comparator] {
        if word == "*" { return [Comparator(operation: .greaterOrEqual, version: SemanticVersion(0, 0, 0))] }
        let operators: [(String, Comparator.Operation?)] = [
            (">=", .greaterOrEqual), ("<=", .lessOrEqual), (">", .greater), ("<", .less), ("=", .equal), ("^", nil), ("~", nil),
        ]
        let (prefix, operation) = operators.first { word.hasPrefix($0.0) } ?? ("", .equal)
        let versionText = String(word.dropFirst(prefix.count))
        guard let (version, given) = partial(versionText) else {
            throw MarketError(.versionInvalid, "'\(versionText)' in the range '\(range)' is not a version",
                              fix: "write versions as MAJOR.MINOR.PATCH, e.g. ^1.2.0")
        }
        switch prefix {
        case "^":
            let upper = version.major > 0 || given == 1 ? SemanticVersion(version.major + 1, 0, 0)
                : version.minor > 0 || given == 2 ? SemanticVersion(0, version.minor + 1, 0)
                : SemanticVersion(0, 0, version.patch + 1)
            return [Comparator(operation: .greaterOrEqual, version: version), Comparator(operation: .less, version: upper)]
        case "~":
            let upper = given == 1 ? SemanticVersion(version.major + 1, 0, 0) : SemanticVersion(version.major, version.minor + 1, 0)
            return [Comparator(operation: .greaterOrEqual, version: version), Comparator(operation: .less, version: upper)]
        default:
            guard given < 3, let operation else { return [Comparator(operation: operation ?? .equal, version: version)] }
            // A partial version names a span: =1.2 is >=1.2.0 <1.3.0; <=1.2 is <1.3.0; >1.2 is >=1.3.0.
            let next = given == 1 ? SemanticVersion(version.major + 1, 0, 0) : SemanticVersion(version.major, version.minor + 1, 0)
            switch operation {
            case .equal: return [Comparator(operation: .greaterOrEqual, version: version), Comparator(operation: .less, version: next)]
            case .lessOrEqual: return [Comparator(operation: .less, version: next)]
            case .greater: return [Comparator(operation: .greaterOrEqual, version: next)]
            case .less, .greaterOrEqual: return [Comparator(operation: operation, version: version)]
            }
        }
    }

    /// A full or partial version (`1`, `1.2`, `1.2.3-beta`) and how many numbers were given.
    private static func partial(_ text: String) -> (SemanticVersion, Int)? {
        if let full = SemanticVersion(text) { return (full, 3) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let numbers = SemanticVersion.numbers(parts) else { return nil }
        return (SemanticVersion(numbers[0], numbers.count > 1 ? numbers[1] : 0, 0), numbers.count)
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
