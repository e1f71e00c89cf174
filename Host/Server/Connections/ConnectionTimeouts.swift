/// How long the server waits for a client before it closes the connection (see
/// `ConnectionDeadlineHandler`).
public struct ConnectionTimeouts: Sendable, Equatable {
    /// From the connection opening to the end of its first request's head.
    public var header: Duration
    /// From a request's head to the end of its body.
    public var body: Duration
    /// From the end of a response to the next request's head on a kept-alive connection.
    public var idle: Duration

    public init(header: Duration = .seconds(10), body: Duration = .seconds(30), idle: Duration = .seconds(30)) {
        self.header = header
        self.body = body
        self.idle = idle
    }
}
