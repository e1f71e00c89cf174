import MarketPluginAPI

/// `market.connections/1` (ABI 1.4): the credential of this tenant's connection to the
/// plugin's outside service, which the host stores and refreshes (docs/connections.md).
extension PluginHost {
    /// The current access token (OAuth2), API key or token of the connection. Ask for it when
    /// you need it rather than keeping it: the host replaces it when it refreshes.
    /// - Throws: `PluginError` whose message, from the host, names the fix: `.notFound` when the
    ///   tenant has not connected the plugin, `.unauthenticated` when the connection needs
    ///   reconnecting, `.unavailable` when the token is being refreshed or the store is down;
    ///   `.unsupported` on a host before 1.4 or without a database.
    public func accessToken() throws -> String {
        guard let table = connectionsTable else {
            throw PluginError(.unsupported, "the host offers no connections (market.connections/1, ABI 1.4); run the plugin under market serve with PostgreSQL")
        }
        let (token, error) = (SinkBuffer(), SinkBuffer())
        let status = Status(code: token.withSink { tokenSink in error.withSink { table.pointee.access_token(raw, tokenSink, $0) } })
        guard status == .ok else {
            throw PluginError(status, error.bytes.isEmpty ? "reading the connection's access token failed: \(status)" : error.string)
        }
        return token.string
    }
}
