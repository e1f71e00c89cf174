import Foundation
import JSONScanning
import PluginKit

/// The body Standard Webhooks sends: `{"type","timestamp","data"}` from the event's envelope,
/// with `data` copied byte for byte. The envelope's `tenant_id`, `conversation_id` and
/// `experiment` are left out: an endpoint belongs to one tenant, and the Standard's body is
/// these three members (docs/webhooks-signing.md).
enum OutboundMessage {
    static func body(of event: Event) throws -> [UInt8] {
        guard let data = rawData(event.envelope) else {
            throw PluginError(.rejected, "the event envelope has no data object")
        }
        var body = Array(#"{"type":"#.utf8)
        body += quoted(event.type)
        body += Array(#","timestamp":"#.utf8)
        body += quoted(event.timestamp)
        body += Array(#","data":"#.utf8)
        body += data
        body.append(UInt8(ascii: "}"))
        return body
    }

    /// The bytes of the envelope's top-level `data` value.
    static func rawData(_ envelope: [UInt8]) -> [UInt8]? {
        envelope.withUnsafeBytes { bytes -> [UInt8]? in
            var scanner = JSONScanner(bytes)
            guard scanner.consume(UInt8(ascii: "{")) else { return nil }
            repeat {
                guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { return nil }
                scanner.skipWhitespace()
                let start = scanner.index
                guard scanner.skipValue() else { return nil }
                if scanner.token(key, is: "data") { return Array(bytes[start..<scanner.index]) }
            } while scanner.consume(UInt8(ascii: ","))
            return nil
        }
    }

    /// `text` as a JSON string, the bytes `JSONEncoder` writes. Event types and timestamps are
    /// plain ASCII, copied as they are; anything that needs escaping goes through the encoder.
    static func quoted(_ text: String) -> [UInt8] {
        guard text.utf8.allSatisfy(isPlain) else { return Array((try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)) }
        return [UInt8(ascii: "\"")] + Array(text.utf8) + [UInt8(ascii: "\"")]
    }

    /// Printable ASCII that `JSONEncoder` copies unescaped (it escapes `/`).
    private static func isPlain(_ byte: UInt8) -> Bool {
        (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "/")
    }
}
