import HTTPTypes

/// A method and path template the server answers, as `docs/openapi.yaml` lists it
/// (`GET /v1/plugins/{id}`).
public struct Route: Hashable, Sendable, CustomStringConvertible {
    public let method: HTTPRequest.Method
    /// The template, with parameters in braces as OpenAPI writes them.
    public let path: String

    public init(_ method: HTTPRequest.Method, _ path: String) {
        self.method = method
        self.path = path
    }

    public var description: String { "\(method.rawValue) \(path)" }
}
