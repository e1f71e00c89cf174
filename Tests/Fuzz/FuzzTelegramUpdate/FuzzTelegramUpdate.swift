import Foundation
import FuzzSupport
import TelegramChannel

/// Fuzzes what Telegram (or anyone who finds the webhook URL) posts: a webhook body parsed for
/// its update id and chat, and the same bytes read as an update inside `getUpdates`.
func fuzzOne(_ bytes: [UInt8]) {
    _ = try? RawUpdate.parse(body: bytes)
    _ = try? JSONDecoder().decode(RawUpdate.self, from: Data(bytes))
}


@main enum Harness {
    static func main() { FuzzMain.run(fuzzOne) }
}
