import Foundation
import MarketCore

/// One statement parameter as libpq takes it: a type OID (0 lets the server infer it), the
/// bytes, and whether they are text (0) or binary (1). `nil` bytes are SQL NULL.
public struct PostgresParameter: Sendable, Equatable {
    /// The type OID; 0 lets the server infer the type from the statement.
    public let type: UInt32
    /// The value's bytes in `format`; nil is SQL NULL.
    public let bytes: [UInt8]?
    /// 0 for text, 1 for binary.
    public let format: Int32

    /// SQL NULL, of no particular type.
    public static let null = PostgresParameter(type: 0, bytes: nil, format: 0)

    static func text(_ value: String, type: UInt32 = 0) -> PostgresParameter {
        PostgresParameter(type: type, bytes: Array(value.utf8), format: 0)
    }
}

/// A Swift value that can be a statement parameter. Conformances: `String`, `Int`, `Int32`,
/// `Int64`, `Bool`, `Double`, `Data` and `[UInt8]` (bytea), `Date` (timestamptz), `JSONValue`
/// (jsonb), and `Optional` of any of them (`nil` is NULL).
public protocol PostgresEncodable: Sendable {
    var postgresParameter: PostgresParameter { get }
}

/// Type OIDs from PostgreSQL's pg_type catalog; they are fixed across versions.
enum PostgresType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int4: UInt32 = 23
    static let float8: UInt32 = 701
    static let timestamptz: UInt32 = 1184
    static let jsonb: UInt32 = 3802
}

extension String: PostgresEncodable {
    /// Untyped, so the server reads it as whatever the statement needs (text, jsonb, uuid, …).
    public var postgresParameter: PostgresParameter { .text(self) }
}

extension Int: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self), type: PostgresType.int8) }
}

extension Int64: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self), type: PostgresType.int8) }
}

extension Int32: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(String(self), type: PostgresType.int4) }
}

extension Bool: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(self ? "t" : "f", type: PostgresType.bool) }
}

extension Double: PostgresEncodable {
    /// Swift's shortest round-trip form; PostgreSQL spells the special values the same way.
    public var postgresParameter: PostgresParameter {
        let text = isNaN ? "NaN" : isInfinite ? (self > 0 ? "Infinity" : "-Infinity") : String(self)
        return .text(text, type: PostgresType.float8)
    }
}

extension Data: PostgresEncodable {
    /// Sent in binary, so bytes need no escaping.
    public var postgresParameter: PostgresParameter { PostgresParameter(type: PostgresType.bytea, bytes: Array(self), format: 1) }
}

extension Array: PostgresEncodable where Element == UInt8 {
    public var postgresParameter: PostgresParameter { PostgresParameter(type: PostgresType.bytea, bytes: self, format: 1) }
}

extension Date: PostgresEncodable {
    /// ISO 8601 in UTC with microseconds, PostgreSQL's own precision.
    public var postgresParameter: PostgresParameter {
        .text(PostgresTimestamp.format(self), type: PostgresType.timestamptz)
    }
}

extension JSONValue: PostgresEncodable {
    public var postgresParameter: PostgresParameter { .text(jsonText, type: PostgresType.jsonb) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresParameter: PostgresParameter {
        guard let value = self else { return .null }
        return value.postgresParameter
    }
}
