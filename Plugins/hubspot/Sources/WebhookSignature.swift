import Crypto
import Foundation

/// HubSpot's v3 request signature: `X-HubSpot-Signature-v3` is base64(HMAC-SHA256(client secret,
/// method + URI + body + X-HubSpot-Request-Timestamp)), the URI being the full URL HubSpot
/// called with some escapes decoded; a timestamp (Unix milliseconds) more than 5 minutes old is
/// refused, so a captured request cannot be replayed later.
enum WebhookSignature {
    static let toleranceMilliseconds: Int64 = 300_000

    enum Failure: Error, Equatable {
        case missingHeaders
        case staleTimestamp
        case badSignature
    }

    static func verify(method: String, uri: String, body: [UInt8], timestamp: String?, signature: String?, secret: String,
                       now: Date = Date()) throws(Failure) {
        guard let timestamp, let signature, !signature.isEmpty else { throw .missingHeaders }
        let nowMilliseconds = Int64(now.timeIntervalSince1970 * 1000)
        guard let sent = Int64(timestamp.trimmingCharacters(in: .whitespaces)), abs(nowMilliseconds - sent) <= toleranceMilliseconds else {
            throw .staleTimestamp
        }
        guard let given = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)) else { throw .badSignature }
        var content = Array((method + signedURI(uri)).utf8)
        content += body
        content += Array(timestamp.utf8)
        // isValidAuthenticationCode compares in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: content, using: SymmetricKey(data: Data(secret.utf8))) else {
            throw .badSignature
        }
    }

    /// The escapes HubSpot decodes in the URI before signing it.
    static let decoded: [(String, String)] = [("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"),
                                              ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";")]

    static func signedURI(_ uri: String) -> String {
        var text = uri
        for (escape, character) in decoded {
            text = text.replacingOccurrences(of: escape, with: character, options: .caseInsensitive)
        }
        return text
    }
}
