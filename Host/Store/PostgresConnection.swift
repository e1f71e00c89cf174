import CLibPQ
import MarketCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection (`PGconn`). Every method blocks the calling thread until the server
/// answers: call them from a dedicated thread (the `DatabasePool`'s, or a plugin's), never from
/// Swift's cooperative pool.
///
/// Calls are serialised by a lock, so a connection may move between threads, but it is meant
/// for one borrower at a time: statements of one transaction must not interleave with another's.
public final class PostgresConnection: Sendable {
    /// The libpq handle and the names of the statements prepared on it.
    /// Unchecked: the `PGconn` is only touched while `state`'s mutex is held, and libpq allows a
    /// connection to be used from any thread, one at a time.
    struct State: @unchecked Sendable {
        var handle: OpaquePointer?
        var prepared: [String: String] = [:]
    }

    let state: Mutex<State>

    private init(handle: OpaquePointer) {
        state = Mutex(State(handle: handle))
    }

    deinit {
        state.withLock { state in
            if let handle = state.handle { PQfinish(handle) }
        }
    }

    /// Connects with a libpq connection string: a URL (`postgres://user@host/db`) or
    /// `key=value` pairs (`host=/path/to/socket dbname=market`). The session uses UTC and ISO dates.
    /// - Throws: `DB_UNAVAILABLE` naming libpq's reason (never a password).
    public static func connect(_ connectionString: String) throws -> PostgresConnection {
        // Settings before `dbname` are defaults that the connection string overrides.
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = ["10", "market", connectionString]
        let handle = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard let handle else {
            throw MarketError(.databaseUnavailable, "libpq could not allocate a connection", fix: "free memory on this machine")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = firstLine(PQerrorMessage(handle))
            PQfinish(handle)
            throw MarketError(.databaseUnavailable, "cannot connect to the database: \(reason)",
                              fix: "check that the server runs and DATABASE_URL (or the private cluster) points at it; `market db status` tells")
        }
        // Notices (such as "relation already exists, skipping") would go to standard error.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        let connection = PostgresConnection(handle: handle)
        try connection.run("SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET client_encoding TO 'UTF8'")
        return connection
    }

    /// Runs one statement with `$1`, `$2`, … bound to `parameters` (never spliced into the SQL).
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> QueryResult {
        let bound = parameters.map(\.postgresParameter)
        return try withHandle { handle, _ in
            try Self.withParameters(bound) { count, types, values, lengths, formats in
                try Self.result(PQexecParams(handle, sql, count, types, values, lengths, formats, 0), handle)
            }
        }
    }

    /// Runs one statement with `$1`, `$2`, … bound to `parameters`.
    public func query(_ sql: String, _ parameters: any PostgresEncodable...) throws -> QueryResult {
        try query(sql, parameters)
    }

    /// Runs a statement through a prepared statement, prepared on first use and kept for the
    /// life of the connection (one per statement text and parameter types).
    public func prepared(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws -> QueryResult {
        let bound = parameters.map(\.postgresParameter)
        let key = bound.map { String($0.type) }.joined(separator: ",") + "|" + sql
        return try withHandle { handle, state in
            try Self.withParameters(bound) { count, types, values, lengths, formats in
                let name: String
                if let known = state.prepared[key] {
                    name = known
                } else {
                    name = "market_\(state.prepared.count + 1)"
                    _ = try Self.result(PQprepare(handle, name, sql, count, types), handle)
                    state.prepared[key] = name
                }
                return try Self.result(PQexecPrepared(handle, name, count, values, lengths, formats, 0), handle)
            }
        }
    }

    /// Runs SQL text that may hold several statements and no parameters (migrations, `SET`).
    public func run(_ script: String) throws {
        _ = try withHandle { handle, _ in try Self.result(PQexec(handle, script), handle) }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Inside a transaction already, `body` runs in a savepoint instead, so an error undoes only
    /// its own work.
    /// - Parameter preferringIndexLookups: plans as `preferIndexLookups()` says, the settings
    ///   sent with the BEGIN (one round trip, not two).
    public func transaction<Value>(preferringIndexLookups: Bool = false, _ body: (PostgresConnection) throws -> Value) throws -> Value {
        let nested = transactionStatus != PQTRANS_IDLE
        let savepoint = "market_\(UInt32.random(in: 0 ... .max))"
        let begin = nested ? "SAVEPOINT \(savepoint)" : "BEGIN"
        try run(preferringIndexLookups ? begin + "; " + Self.indexLookupSettings : begin)
        do {
            let value = try body(self)
            try run(nested ? "RELEASE SAVEPOINT \(savepoint)" : "COMMIT")
            return value
        } catch {
            // The original error matters more than a failed rollback (a lost connection, say).
            try? run(nested ? "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)" : "ROLLBACK")
            throw error
        }
    }

    /// For the rest of the transaction, plans statements once for all parameters, by index
    /// lookups joined in nested loops. The batch statements join a JSON array of rows to tables
    /// whose statistics lag far behind them: a new install's tables are analysed nearly empty,
    /// and pending inbox and outbox rows come and go by the thousand. Planned by cost, the
    /// planner then picks hash joins over, or scans of, whole tables, which cost milliseconds
    /// where a few lookups cost microseconds. Without those choices a plan no longer depends
    /// on the statistics or the parameters, so one generic plan serves every call: planning
    /// each call anew cost PostgreSQL a fifth of its time under load. Bitmap scans are left
    /// out too: they read every match before the first, where an index scan in order stops at
    /// a LIMIT.
    public func preferIndexLookups() throws {
        try run(Self.indexLookupSettings)
    }

    static let indexLookupSettings = "SET LOCAL plan_cache_mode TO force_generic_plan; SET LOCAL enable_seqscan TO off; "
        + "SET LOCAL enable_hashjoin TO off; SET LOCAL enable_mergejoin TO off; SET LOCAL enable_bitmapscan TO off"

    /// Whether the connection is open and outside any transaction, ready for another borrower.
    /// Reads what the server has sent, so a server-side disconnect is noticed.
    public var isReusable: Bool {
        state.withLock { state in
            guard let handle = state.handle else { return false }
            // The first read may take a farewell message; the second then sees the close.
            _ = PQconsumeInput(handle)
            _ = PQconsumeInput(handle)
            return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
        }
    }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 {
        state.withLock { state in state.handle.map { PQbackendPID($0) } ?? 0 }
    }

    /// Closes the connection; later calls fail with `DB_UNAVAILABLE`.
    public func close() {
        state.withLock { state in
            if let handle = state.handle { PQfinish(handle) }
            state.handle = nil
        }
    }

    private var transactionStatus: PGTransactionStatusType {
        state.withLock { state in state.handle.map { PQtransactionStatus($0) } ?? PQTRANS_UNKNOWN }
    }

    func withHandle<Value>(_ body: (OpaquePointer, inout State) throws -> Value) throws -> Value {
        try state.withLock { state in
            guard let handle = state.handle else {
                throw MarketError(.databaseUnavailable, "the database connection is closed", fix: "take a new connection from the pool")
            }
            return try body(handle, &state)
        }
    }
}

extension PostgresConnection {
    /// Turns a `PGresult` into rows or an error, and frees it.
    static func result(_ result: OpaquePointer?, _ handle: OpaquePointer) throws -> QueryResult {
        defer { PQclear(result) }
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            guard let result else { return QueryResult(columns: [], cells: [], affectedRows: 0) }
            return rows(of: result)
        default:
            throw failure(result, handle).marketError
        }
    }

    private static func rows(of result: OpaquePointer) -> QueryResult {
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var cells = [[UInt8]?]()
        cells.reserveCapacity(Int(rowCount * columnCount))
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = PQgetvalue(result, row, column).map { pointer in
                        pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
                    }
                    cells.append(bytes ?? [])
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, cells: cells, affectedRows: affected)
    }

    /// The server's error fields, or libpq's own message when the connection broke.
    private static func failure(_ result: OpaquePointer?, _ handle: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let result, let ascii = code.asciiValue, let value = PQresultErrorField(result, Int32(ascii)) else { return nil }
            return String(cString: value)
        }
        let brokenConnection = PQstatus(handle) != CONNECTION_OK
        // 08006 (connection_failure) stands for client-side failures, which carry no SQLSTATE.
        let sqlState = field("C") ?? (brokenConnection ? "08006" : "XX000")
        let message = field("M") ?? firstLine(PQerrorMessage(handle))
        return PostgresError(sqlState: sqlState, serverMessage: message, detail: field("D"), hint: field("H"))
    }

    /// Lays out parameters as the C arrays PQexecParams and friends take, valid during `body`.
    static func withParameters<Value>(
        _ parameters: [PostgresParameter],
        _ body: (Int32, [UInt32], [UnsafePointer<CChar>?], [Int32], [Int32]) throws -> Value
    ) throws -> Value {
        if let position = parameters.firstIndex(where: { $0.format == 0 && $0.bytes?.contains(0) == true }) {
            throw MarketError(.textUnstorable, "parameter $\(position + 1) holds a NUL character, which PostgreSQL text cannot hold",
                              fix: "remove the NUL character, or pass binary data as Data (bytea)")
        }
        let buffers: [UnsafeMutablePointer<CChar>?] = parameters.map { parameter in
            guard let bytes = parameter.bytes else { return nil }
            // libpq reads text parameters up to a NUL (their lengths are ignored), so end with one.
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: CChar.self) { chars in
                    if let base = chars.baseAddress { buffer.initialize(from: base, count: chars.count) }
                }
            }
            (buffer + bytes.count).initialize(to: 0)
            return buffer
        }
        defer { buffers.forEach { $0?.deallocate() } }
        return try body(Int32(parameters.count), parameters.map(\.type), buffers.map { $0.map { UnsafePointer($0) } },
                        parameters.map { Int32($0.bytes?.count ?? 0) }, parameters.map(\.format))
    }
}

/// The first line of a C message, for errors shown to people.
func firstLine(_ message: UnsafePointer<CChar>?) -> String {
    guard let message else { return "no reason given" }
    let text = String(cString: message)
    return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "no reason given"
}

/// Passes strings to C as a NULL-terminated array of C strings, valid during `body`.
func withCStrings<Value>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> Value) -> Value {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
}
