import MarketCore

/// The rows a statement returned, copied out of libpq, in text format.
public struct QueryResult: Sendable, RandomAccessCollection {
    /// The column names, in order.
    public let columns: [String]
    /// The rows an INSERT, UPDATE or DELETE changed (0 for other statements).
    public let affectedRows: Int
    /// Row-major cells; nil is SQL NULL.
    let cells: [[UInt8]?]

    init(columns: [String], cells: [[UInt8]?], affectedRows: Int) {
        self.columns = columns
        self.cells = cells
        self.affectedRows = affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }
    /// The row at `position` (0-based).
    public subscript(position: Int) -> Row { Row(result: self, index: position) }
}

/// One row of a `QueryResult`, read by column name or position.
public struct Row: Sendable {
    let result: QueryResult
    let index: Int

    /// Reads a column as `type`; ask for an `Optional` to read a column that may be NULL.
    /// - Throws: `COLUMN_INVALID` when the column is missing, NULL (for a non-optional type), or
    ///   not a valid `type`. The message names the column, never its value.
    public func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        guard let position = result.columns.firstIndex(of: column) else {
            throw MarketError(.columnInvalid, "the result has no column \(column)", fix: "check the statement's select list")
        }
        return try decode(position, as: type)
    }

    /// Reads the column at `position` (0-based) as `type`.
    public func decode<Value: PostgresDecodable>(_ position: Int, as type: Value.Type = Value.self) throws -> Value {
        guard result.columns.indices.contains(position) else {
            throw MarketError(.columnInvalid, "the result has no column at position \(position)", fix: "check the statement's select list")
        }
        let cell = result.cells[index * result.columns.count + position]
        guard let value = Value.decode(postgresText: cell) else {
            let name = result.columns[position]
            let problem = cell == nil ? "is NULL" : "is not a valid \(Value.self)"
            throw MarketError(.columnInvalid, "column \(name) \(problem)", fix: "read it as Optional or as the column's SQL type")
        }
        return value
    }

    /// Whether the column at `position` is SQL NULL.
    public func isNull(_ position: Int) -> Bool {
        result.columns.indices.contains(position) && result.cells[index * result.columns.count + position] == nil
    }
}
