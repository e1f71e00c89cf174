import Foundation

/// The Grafana dashboards of ops/grafana: every panel's PromQL queries.
struct Dashboards {
    struct Query {
        let dashboard: String
        let panel: String
        let expression: String
    }

    static let folder = Repository.root.appendingPathComponent("ops/grafana")

    /// Dashboard file name → its JSON.
    let boards: [String: [String: Any]]

    init() throws {
        var boards: [String: [String: Any]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.folder.path) where name.hasSuffix(".json") {
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            guard let board = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw HTTPTestFailure("ops/grafana/\(name) is not a JSON object")
            }
            boards[name] = board
        }
        self.boards = boards
    }

    func panels(of name: String) -> [[String: Any]] {
        boards[name]?["panels"] as? [[String: Any]] ?? []
    }

    var queries: [Query] {
        boards.keys.sorted().flatMap { name in
            panels(of: name).flatMap { panel in
                (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                    (target["expr"] as? String).map { Query(dashboard: name, panel: panel["title"] as? String ?? "?", expression: $0) }
                }
            }
        }
    }

    /// The metric names a query reads (a histogram's `_bucket` series named by its family).
    static func metricNames(in expression: String) throws -> Set<String> {
        let names = expression.matches(of: try Regex("\\b(?:http|market)_[a-z_]+")).map { String(expression[$0.range]) }
        return Set(names.map { name in
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
            return name
        })
    }
}
