import HTTPTypes

/// A method and path template the server answers, as `docs/openapi.yaml` lists it
/// (`GET /v1/plugins/{id}`).
public struct Route: Hashable, Sendable, CustomStringConvertible {
    public let method: HTTPRequest.Method
    /// The template, with parameters in braces as OpenAPI writes them.
    public let path: String
    /// Whether the last parameter stands for the rest of the path, slashes included (the
    /// inbound hooks' `/hooks/{hook}/{path}`), rather than for one segment.
    public let catchAll: Bool

    public init(_ method: HTTPRequest.Method, _ path: String, catchAll: Bool = false) {
        self.method = method
        self.path = path
        self.catchAll = catchAll
    }

    /// The path as the router takes it: a catch-all's last parameter becomes `**`.
    var routerPath: String {
        guard catchAll, let slash = path.lastIndex(of: "/") else { return path }
        return String(path[..<slash]) + "/**"
    }

    public var description: String { "\(method.rawValue) \(path)" }
}
