import Foundation
import TelegramChannel
import Testing

/// Telegram's 64-bit ids survive an update's trip through `getUpdates` decoding: the id, the
/// chat and the update's stored text keep every digit.
@Suite struct RawUpdateTests {
    @Test func sixtyFourBitIdsStayExact() throws {
        let body = #"""
        {"ok":true,"result":[{"update_id":9007199254740993,"message":{"message_id":9223372036854775807,
        "chat":{"id":-1009007199254740993,"type":"supergroup"},"text":"hi"}}]}
        """#
        struct Envelope: Decodable { let result: [RawUpdate] }
        let update = try #require(try JSONDecoder().decode(Envelope.self, from: Data(body.utf8)).result.first)
        #expect(update.updateID == 9_007_199_254_740_993)
        #expect(update.json.contains("-1009007199254740993") && update.json.contains("9223372036854775807"))
        let decoded = try update.decoded()
        #expect(decoded.chatID == -1_009_007_199_254_740_993)
        #expect(decoded.message?.messageID == .max)
    }

    @Test func anUpdateWithoutAnIntegerIdIsRefused() {
        for body in [#"[{"update_id":1.5}]"#, #"[{"update_id":"1"}]"#, #"[{"message":{}}]"#] {
            #expect(throws: DecodingError.self, "\(body)") { try JSONDecoder().decode([RawUpdate].self, from: Data(body.utf8)) }
        }
    }
}
