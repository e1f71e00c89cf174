import MarketCore

/// The server's named errors, beside those of the libraries it calls (`PLUGIN_NOT_FOUND` is
/// the tenant store's, `TEXT_UNSTORABLE` the store's).
extension MarketError.Code {
    /// No route matches the request's path.
    public static let routeNotFound = Self(rawValue: "ROUTE_NOT_FOUND")
    /// The path exists but does not answer the request's method; `Allow` lists those it does.
    public static let methodNotAllowed = Self(rawValue: "METHOD_NOT_ALLOWED")
    /// The request is malformed (a bad path parameter, header or query).
    public static let badRequest = Self(rawValue: "BAD_REQUEST")
    /// The database lacks migrations this build knows: the server is not ready.
    public static let migrationPending = Self(rawValue: "MIGRATION_PENDING")
    /// The request carries no API token, a malformed one, or one that is unknown or revoked.
    public static let unauthenticated = Self(rawValue: "UNAUTHENTICATED")
    /// Something failed inside the server; the log has the cause under the request id.
    public static let internalError = Self(rawValue: "INTERNAL")
}
