import Foundation
import MarketCore

/// A Swift type a column's text can be read as. Conformances: `String` (any column, JSON
/// included), `Int`, `Int32`, `Int64`, `Bool`, `Double`, `Data` and `[UInt8]` (bytea), `Date`
/// (timestamptz), `JSONValue` (json, jsonb), and `Optional` of any of them (NULL is `nil`).
public protocol PostgresDecodable: Sendable {
    /// Reads a value from the column's text form, `nil` standing for SQL NULL.
    /// - Returns: nil when the text is not a valid value of this type, or is NULL for a
    ///   type that cannot hold NULL.
    static func decode(postgresText: [UInt8]?) -> Self?
}

extension String: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> String? {
        postgresText.map { String(decoding: $0, as: UTF8.self) }
    }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Int? { postgresText.flatMap { Int(String(decoding: $0, as: UTF8.self)) } }
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Int64? { postgresText.flatMap { Int64(String(decoding: $0, as: UTF8.self)) } }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Int32? { postgresText.flatMap { Int32(String(decoding: $0, as: UTF8.self)) } }
}

extension Double: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Double? { postgresText.flatMap { Double(String(decoding: $0, as: UTF8.self)) } }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Bool? {
        switch postgresText {
        case [UInt8(ascii: "t")]?: return true
        case [UInt8(ascii: "f")]?: return false
        default: return nil
        }
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// bytea's hex text form: `\x` and two hex digits a byte.
    public static func decode(postgresText: [UInt8]?) -> [UInt8]? {
        guard let text = postgresText, text.count % 2 == 0, text.starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "x")]) else { return nil }
        func nibble(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(text.count / 2 - 1)
        var index = 2
        while index < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

extension Data: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Data? { [UInt8].decode(postgresText: postgresText).map { Data($0) } }
}

extension Date: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Date? {
        postgresText.flatMap { PostgresTimestamp.parse(String(decoding: $0, as: UTF8.self)) }
    }
}

extension JSONValue: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> JSONValue? {
        postgresText.flatMap { try? JSONValue(parsing: String(decoding: $0, as: UTF8.self)) }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText: [UInt8]?) -> Wrapped?? {
        guard let text = postgresText else { return .some(.none) }
        return Wrapped.decode(postgresText: text).map { .some($0) }
    }
}
