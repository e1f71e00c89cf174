import Crypto
import Foundation

/// Checks a Standard Webhooks request: the three headers, a timestamp within five minutes of
/// now, and at least one `v1` signature in `webhook-signature` made with one of `keys`
/// (compared in constant time).
struct InboundVerifier {
    let keys: [Data]
    static let tolerance: TimeInterval = 300

    enum Failure: Error, Equatable {
        case missingHeaders
        case staleTimestamp
        case badSignature
    }

    /// The message id and timestamp once the request is verified.
    func verify(id: String?, timestamp: String?, signatures: String?, body: [UInt8], now: Date = Date()) throws(Failure) -> (id: String, timestamp: Int) {
        guard let id, !id.isEmpty, let timestamp, let signatures, !signatures.isEmpty else { throw .missingHeaders }
        guard let seconds = Int(timestamp), abs(now.timeIntervalSince1970 - Double(seconds)) <= Self.tolerance else { throw .staleTimestamp }
        var content = Array("\(id).\(seconds).".utf8)
        content.append(contentsOf: body)
        let given = signatures.split(separator: " ").compactMap { part -> Data? in
            // Only "v1" (HMAC-SHA256) is accepted inbound; other versions are passed over.
            guard part.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(part.dropFirst(3)))
        }
        for key in keys {
            let symmetric = SymmetricKey(data: key)
            // isValidAuthenticationCode compares in constant time.
            if given.contains(where: { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: content, using: symmetric) }) {
                return (id, seconds)
            }
        }
        throw .badSignature
    }
}
