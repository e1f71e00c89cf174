import Foundation

/// A JSON value as Bitrix24 writes it: ids are sometimes numbers and sometimes strings, empty
/// objects come as `[]` (PHP's arrays), so its answers are read loosely rather than decoded
/// into fixed types.
enum BitrixValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([BitrixValue])
    case object([String: BitrixValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([BitrixValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: BitrixValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    static func parse(_ bytes: [UInt8]) -> BitrixValue? {
        try? JSONDecoder().decode(BitrixValue.self, from: Data(bytes))
    }

    var json: [UInt8] { (try? Array(JSONEncoder().encode(self))) ?? Array("null".utf8) }

    subscript(key: String) -> BitrixValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// Members of an object; an empty PHP array (`[]`) counts as an empty object.
    var members: [String: BitrixValue] {
        switch self {
        case .object(let members): return members
        default: return [:]
        }
    }

    var items: [BitrixValue] {
        if case .array(let items) = self { return items }
        return []
    }

    /// A string, or a number written in decimal (Bitrix24 sends ids both ways); nil for null,
    /// "" and anything else.
    var text: String? {
        switch self {
        case .string(let value): return value.isEmpty ? nil : value
        case .int(let value): return String(value)
        case .double(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        default: return nil
        }
    }

    /// A number, or a string holding one ("1000.00").
    var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        case .string(let value): return Double(value.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    var isNull: Bool { self == .null }
}
