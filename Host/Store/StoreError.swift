import MarketCore

/// The store's named errors. Messages never carry SQL, parameters or secrets.
extension MarketError.Code {
    /// The database cannot be reached, or refused the connection.
    public static let databaseUnavailable = Self(rawValue: "DB_UNAVAILABLE")
    /// A migration failed; the database is left at the last version that applied.
    public static let migrationFailed = Self(rawValue: "MIGRATION_FAILED")
    /// The database lacks migrations this build needs, and the command does not migrate
    /// (only `market serve` and `market db migrate` do); nothing was written.
    public static let schemaBehind = Self(rawValue: "SCHEMA_BEHIND")
    /// The database records a migration this build does not know: a newer market migrated it.
    public static let schemaNewer = Self(rawValue: "SCHEMA_NEWER")
    /// A statement failed; the SQLSTATE is in the message, the statement is not.
    public static let queryFailed = Self(rawValue: "QUERY_FAILED")
    /// The private PostgreSQL cluster could not be created, started or stopped.
    public static let clusterFailed = Self(rawValue: "CLUSTER_FAILED")
    /// Text PostgreSQL cannot store (the character U+0000) was given for a text or JSON value.
    public static let textUnstorable = Self(rawValue: "TEXT_UNSTORABLE")
    /// A column's value could not be read as the Swift type asked for.
    public static let columnInvalid = Self(rawValue: "COLUMN_INVALID")
}
