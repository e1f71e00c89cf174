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
    /// The request's body did not arrive in full: the client closed or reset the connection,
    /// or was slower than the body timeout. A client error, never counted as a server failure.
    public static let requestIncomplete = Self(rawValue: "REQUEST_INCOMPLETE")
    /// The request's body is larger than the route takes (256 KiB for the API's JSON).
    public static let bodyTooLarge = Self(rawValue: "BODY_TOO_LARGE")
    /// The server holds as many connections as it may and none is idle: retry after a moment.
    public static let serverBusy = Self(rawValue: "SERVER_BUSY")
    /// Something failed inside the server; the log has the cause under the request id.
    public static let internalError = Self(rawValue: "INTERNAL")
}
