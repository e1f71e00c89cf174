import MarketCore

/// What PostgreSQL said about a failed statement. Its `description` names only the SQLSTATE;
/// the server's message, detail and hint (which can quote the data) are in `debugDescription`.
/// The statement and its parameters are never kept.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The five-character SQLSTATE, such as `23505` for a unique violation.
    public let sqlState: String
    /// The server's primary message; may quote data, so keep it out of logs people read.
    public let serverMessage: String
    /// The server's detail line (for a unique violation, the conflicting key and value).
    public let detail: String?
    /// The server's hint, when it gave one.
    public let hint: String?

    public init(sqlState: String, serverMessage: String, detail: String? = nil, hint: String? = nil) {
        self.sqlState = sqlState
        self.serverMessage = serverMessage
        self.detail = detail
        self.hint = hint
    }

    public var description: String { "SQLSTATE \(sqlState)" }

    public var debugDescription: String {
        var text = "SQLSTATE \(sqlState): \(serverMessage)"
        if let detail { text += " DETAIL: \(detail)" }
        if let hint { text += " HINT: \(hint)" }
        return text
    }

    /// The store error for this failure: `DB_UNAVAILABLE` for connection problems,
    /// `QUERY_FAILED` with the SQLSTATE and its class otherwise.
    var marketError: MarketError {
        let category = String(sqlState.prefix(2))
        // 57014 is a cancelled statement; the rest of class 57 means the server is going away.
        if category == "08" || (category == "57" && sqlState != "57014") {
            return MarketError(.databaseUnavailable, "the database connection failed (SQLSTATE \(sqlState))",
                               fix: "check that the database server is running; the pool reconnects on the next call", underlying: self)
        }
        // 22P05 (untranslatable character) and 22021 (character not in repertoire): U+0000 in
        // text or jsonb, which PostgreSQL cannot hold.
        if sqlState == "22P05" || sqlState == "22021" {
            return MarketError(.textUnstorable, "the text holds the character U+0000, which cannot be stored (SQLSTATE \(sqlState))",
                               fix: "remove the NUL character (\\u0000) from the value", underlying: self)
        }
        let (meaning, fix) = Self.classes[category] ?? ("the statement failed", "see the server's log for SQLSTATE \(sqlState)")
        return MarketError(.queryFailed, "\(meaning) (SQLSTATE \(sqlState))", fix: fix, underlying: self)
    }

    /// SQLSTATE classes with a meaning and fix worth telling people.
    private static let classes: [String: (String, String)] = [
        "22": ("a value is out of range or malformed", "check the values passed to the statement"),
        "23": ("the change breaks a constraint", "the row may already exist, or refer to one that does not"),
        "25": ("the statement is not allowed in this transaction state", "the transaction was aborted by an earlier error; roll it back"),
        "40": ("the transaction was rolled back by the server", "retry the transaction (serialization failure or deadlock)"),
        "42": ("the statement is invalid for this schema", "run the migrations, or report the statement as a bug"),
        "53": ("the server is out of resources", "free disk space or memory on the database server"),
        "57": ("the statement was cancelled", "allow the statement more time"),
    ]

    /// SQLSTATEs of the connection-exception class, for callers that decide on retries.
    public var isConnectionFailure: Bool { sqlState.hasPrefix("08") }
}

extension MarketError {
    /// The SQLSTATE of a failed statement, when PostgreSQL reported one.
    public var sqlState: String? { (underlying as? PostgresError)?.sqlState }
}
