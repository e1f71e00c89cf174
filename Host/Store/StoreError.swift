import MarketCore

/// The store's named errors. Messages never carry SQL, parameters or secrets.
extension MarketError.Code {
    /// The database cannot be reached, or refused the connection.
    public static let databaseUnavailable = Self(rawValue: "DB_UNAVAILABLE")
    /// A migration failed; the database is left at the last version that applied.
    public static let migrationFailed = Self(rawValue: "MIGRATION_FAILED")
    /// A statement failed; the SQLSTATE is in the message, the statement is not.
    public static let queryFailed = Self(rawValue: "QUERY_FAILED")
}
