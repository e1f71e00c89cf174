import HTTPTypes

/// The path templates the server serves and the methods of each, for answering a request whose
/// path is known but whose method is not. Templates match as the router's do: segment by
/// segment, `{name}` standing for any one segment.
struct RouteTable: Sendable {
    private let templates: [(segments: [Substring], path: String, catchAll: Bool, methods: [HTTPRequest.Method])]

    init(_ routes: [Route]) {
        var methods: [String: [HTTPRequest.Method]] = [:]
        var catchAll: Set<String> = []
        var order: [String] = []
        for route in routes {
            if methods[route.path] == nil { order.append(route.path) }
            methods[route.path, default: []].append(route.method)
            if route.catchAll { catchAll.insert(route.path) }
        }
        templates = order.map { path in (Self.segments(path), path, catchAll.contains(path), methods[path] ?? []) }
    }

    /// The template matching `path` and the methods it serves, or nil when no route has that path.
    func match(_ path: String) -> (template: String, methods: [HTTPRequest.Method])? {
        let parts = Self.segments(path)
        // A literal segment wins over a parameter, as in the router.
        let candidates = templates.filter { template in
            (template.segments.count == parts.count || (template.catchAll && parts.count > template.segments.count))
                && zip(template.segments, parts).allSatisfy { $0 == $1 || $0.hasPrefix("{") }
        }
        guard let best = candidates.max(by: { literalCount($0.segments) < literalCount($1.segments) }) else { return nil }
        return (best.path, best.methods)
    }

    private func literalCount(_ segments: [Substring]) -> Int { segments.filter { !$0.hasPrefix("{") }.count }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
