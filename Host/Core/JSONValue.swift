import Foundation

/// Any JSON value, for the parts of Market that carry JSON they do not interpret
/// (config schemas, event data).
///
/// A number written as an integer that fits 64 bits is an `integer`, kept exactly (Telegram's
/// ids and 64-bit counters pass 2^53, where a `Double` starts rounding); any other number is a
/// `number`. The two compare and hash by value: `.integer(2) == .number(2.0)`.
public enum JSONValue: Codable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            // The decoder reads -0 as the integer 0; the sign survives as a Double.
            if value == 0, let signed = try? container.decode(Double.self), signed.sign == .minus {
                self = .number(signed)
            } else {
                self = .integer(value)
            }
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value of a number of either kind as a `Double` (rounded past 2^53); nil for anything else.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }

    /// The value of a number that is a whole number within 64 bits, exactly; nil for anything else.
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .number(let value): Int64(exactly: value)
        default: nil
        }
    }
}
