import Hummingbird

/// What every route handler receives besides the request: Hummingbird's core context (logger,
/// path parameters, matched route) and the request id.
public struct MarketRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id of this request: the client's `x-request-id` when it sent a usable one, a new one
    /// otherwise. Echoed in the response, in problem bodies and in every log line of the request.
    public var requestID: String = ""

    /// The request id. Shadows Hummingbird's `id`, which reads a logger key this server replaces
    /// with `request_id`.
    public var id: String { requestID }

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
    }
}
