import Foundation

/// An update as Telegram sent it: its id and its JSON text, kept byte for byte (re-encoded
/// from the parsed form when it arrived inside a `getUpdates` array).
public struct RawUpdate: Decodable, Sendable {
    public let updateID: Int64
    public let json: String

    public init(updateID: Int64, json: String) {
        self.updateID = updateID
        self.json = json
    }

    public init(from decoder: any Decoder) throws {
        let value = try AnyJSON(from: decoder)
        guard case .object(let members) = value, case .integer(let id)? = members["update_id"] else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "an update without an integer update_id"))
        }
        updateID = id
        json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// Parses a webhook body as an update, once, for its id and its chat (0 when it has none).
    /// - Throws: `DecodingError` when it is not an update.
    public static func parse(body: [UInt8]) throws -> (update: RawUpdate, chat: Int64) {
        let parsed = try JSONDecoder().decode(Update.self, from: Data(body))
        return (RawUpdate(updateID: parsed.updateID, json: String(decoding: body, as: UTF8.self)), parsed.chatID ?? 0)
    }

    /// The parsed update.
    public func decoded() throws -> Update { try JSONDecoder().decode(Update.self, from: Data(json.utf8)) }
}

/// Any JSON value, keeping integers exact (Telegram's ids pass 2^53 in places).
enum AnyJSON: Codable, Sendable {
    case null, bool(Bool), integer(Int64), double(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
