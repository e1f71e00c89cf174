/// An error a plugin throws to fail a call. It crosses the ABI as its status and message,
/// so the message must be safe to show a user or a model.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    public let status: Status
    public let message: String
    /// For `.rateLimited`: the delay the upstream asked for, in milliseconds.
    public let retryAfterMilliseconds: UInt32

    public init(_ status: Status, _ message: String, retryAfterMilliseconds: UInt32 = 0) {
        self.status = status == .ok ? .internal : status
        self.message = message
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    public var description: String { "\(status): \(message)" }
}
