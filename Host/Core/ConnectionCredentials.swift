/// Where `market.connections/1` finds a plugin's current access token: the tenant's connection
/// for the plugin (docs/connections.md). Calls block and come from plugin threads.
public protocol ConnectionCredentials: Sendable {
    /// The access token of an OAuth2 connection, or the API key or token of the others; never
    /// a refresh token.
    /// - Throws: `ConnectionUnusable` saying why there is none and what fixes it; other errors
    ///   when the store cannot be reached.
    func accessToken(_ namespace: KeyValueNamespace) throws -> String
}

/// Why a connection gives no token now, with a message for people that names the fix.
public struct ConnectionUnusable: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The tenant never connected the plugin, or removed the connection.
        case notConnected
        /// The service refused the credentials (a revoked grant): a person must connect again.
        case needsReconnect
        /// The access token expired and no refresh has succeeded yet; may work later.
        case expired
    }

    public let reason: Reason
    public let description: String

    public init(_ reason: Reason, _ description: String) {
        self.reason = reason
        self.description = description
    }
}
