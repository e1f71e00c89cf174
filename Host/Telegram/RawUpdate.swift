import Foundation
import MarketCore

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
        // JSONValue keeps integers exact: Telegram's ids pass 2^53 in places.
        let value = try JSONValue(from: decoder)
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
