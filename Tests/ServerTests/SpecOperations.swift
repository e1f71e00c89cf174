import Foundation
import Testing
import Yams

/// The operations docs/openapi.yaml lists, for tests that must try every endpoint: a new
/// endpoint in the spec is tried without anyone editing the test.
struct SpecOperation: Sendable, CustomStringConvertible {
    let method: String
    /// The template, such as `/v1/tenants/{tenant}/tokens`.
    let path: String
    /// Whether the operation declares `security: []` (no token needed).
    let isPublic: Bool
    /// The request body's `example`, as JSON text; nil when the operation takes none.
    let exampleBody: String?

    var description: String { "\(method) \(path)" }

    /// The path with each `{name}` replaced by `values[name]`.
    func path(with values: [String: String]) throws -> String {
        var result = path
        while let open = result.firstIndex(of: "{"), let close = result[open...].firstIndex(of: "}") {
            let name = String(result[result.index(after: open)..<close])
            let value = try #require(values[name], "\(self) has the parameter {\(name)}: give the test a value for it")
            result.replaceSubrange(open...close, with: value)
        }
        return result
    }

    static func all() throws -> [SpecOperation] {
        let text = try String(contentsOf: Repository.openAPI, encoding: .utf8)
        let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: Any])
        var operations: [SpecOperation] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for (method, value) in item where ServerTests.OpenAPI.methods.contains(method) {
                let operation = try #require(value as? [String: Any])
                let security = operation["security"] as? [Any]
                var body: String?
                if let request = operation["requestBody"] as? [String: Any] {
                    let content = try #require(request["content"] as? [String: Any], "\(method) \(path): requestBody has no content")
                    let media = try #require((content["application/json"] ?? content.values.first) as? [String: Any])
                    let example = try #require(media["example"], "\(method.uppercased()) \(path): give its requestBody an example")
                    body = String(decoding: try JSONSerialization.data(withJSONObject: example, options: [.sortedKeys]), as: UTF8.self)
                }
                operations.append(SpecOperation(method: method.uppercased(), path: path, isPublic: security?.isEmpty == true, exampleBody: body))
            }
        }
        return operations.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }
}
