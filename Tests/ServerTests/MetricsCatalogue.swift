import Foundation

/// The table of docs/operations.md's "Metrics" section: every metric `market serve` exposes,
/// with its type, labels and meaning. A name with `<…>` parts is a pattern (plugins' own metrics).
struct MetricsCatalogue {
    struct Entry {
        let name: String
        /// The types the table allows (`counter`; or `counter, gauge or histogram` for a pattern).
        let types: Set<String>
        let pattern: Regex<Substring>?
    }

    static let document = Repository.root.appendingPathComponent("docs/operations.md")

    let entries: [Entry]

    init() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        guard let start = text.range(of: "\n## Metrics\n") else { throw HTTPTestFailure("docs/operations.md has no \"## Metrics\" section") }
        // Up to the next heading: the alerts' table that follows is not about metrics.
        let section = String(text[start.upperBound...]).components(separatedBy: "\n#").first ?? ""
        entries = try section.split(separator: "\n").compactMap { line -> Entry? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, cells[1].hasPrefix("`"), cells[1].hasSuffix("`") else { return nil }
            let name = String(cells[1].dropFirst().dropLast())
            let types = Set(cells[2].replacingOccurrences(of: " or ", with: ", ").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            var pattern: Regex<Substring>?
            if name.contains("<") {
                let source = "^" + name.replacing(try Regex("<[a-z]+>"), with: "[a-zA-Z0-9_]+") + "$"
                pattern = try Regex(source, as: Substring.self)
            }
            return Entry(name: name, types: types, pattern: pattern)
        }
    }

    /// The entry that documents the family `name`, exactly or by pattern.
    func entry(for name: String) -> Entry? {
        entries.first { $0.name == name } ?? entries.first { entry in entry.pattern.map { name.wholeMatch(of: $0) != nil } ?? false }
    }

    /// The names the table lists exactly (not the patterns).
    var exactNames: [String] { entries.filter { $0.pattern == nil }.map(\.name) }
}
