import Crypto
import Foundation
import PluginKit
import Synchronization

/// An endpoint ready to sign and send to: its settings decoded, its secrets turned into keys and
/// the previous secrets' expiry times parsed. Made once per target and reused while the host
/// hands the same stored bytes (`EndpointCache`): decoding JSON and parsing keys for every
/// delivery cost more CPU than signing and sending it.
struct SigningEndpoint {
    /// One secret that may sign: its key, and when it stops (nil for the current secret).
    struct Signer {
        enum Key {
            case hmac(SymmetricKey)
            case ed25519(Curve25519.Signing.PrivateKey)
            /// Neither `whsec_` nor `whsk_`: signing with it fails the delivery, as it did before.
            case unusable
        }

        let key: Key
        /// Nil: always signs. Otherwise signs until then; a previous secret whose `expires_at`
        /// does not parse never signs (`SigningSecrets.Previous.isLive`).
        let expires: Date?
        let live: Bool

        func isLive(at now: Date) -> Bool { live && expires.map { $0 > now } ?? true }
    }

    let settings: EndpointSettings
    let signers: [Signer]
    /// The owner's custom headers, in the order they are sent (by name).
    let customHeaders: [(name: String, value: String)]

    init(settings: EndpointSettings, secrets: SigningSecrets) {
        self.settings = settings
        signers = [Signer(key: Self.key(secrets.secret), expires: nil, live: true)] + secrets.previous.map { previous in
            let expires = try? Date(previous.expires_at, strategy: .iso8601)
            return Signer(key: Self.key(previous.secret), expires: expires, live: expires != nil)
        }
        customHeaders = (settings.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private static func key(_ secret: String) -> Signer.Key {
        if let bytes = SigningSecrets.symmetricKey(secret) { return .hmac(SymmetricKey(data: bytes)) }
        if let key = SigningSecrets.privateKey(secret) { return .ed25519(key) }
        return .unusable
    }

    /// The `webhook-signature` header at `now`: what `Signature.header` makes from the live secrets.
    func signature(id: String, timestamp: Int, body: [UInt8], at now: Date) throws -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        return try signers.filter { $0.isLive(at: now) }.map { signer in
            switch signer.key {
            case .hmac(let key):
                return "v1," + Data(HMAC<SHA256>.authenticationCode(for: content, using: key)).base64EncodedString()
            case .ed25519(let key):
                return "v1a," + (try key.signature(for: content)).base64EncodedString()
            case .unusable:
                throw Signature.unusableSecret
            }
        }.joined(separator: " ")
    }
}

/// Endpoints by target id, each kept with the stored bytes it was made from: a target whose
/// settings or secrets changed (an update, a rotation) hands other bytes and is made again.
final class EndpointCache: Sendable {
    private struct Entry {
        let settings: [UInt8]
        let secrets: [UInt8]
        let endpoint: SigningEndpoint
    }

    /// Beyond this many targets the cache starts again, so it stays small however many
    /// endpoints a process has delivered to.
    static let capacity = 4096

    private let entries = Mutex<[String: Entry]>([:])

    func endpoint(for target: TargetDelivery) throws -> SigningEndpoint {
        if let entry = entries.withLock({ $0[target.id] }), entry.settings == target.settings, entry.secrets == target.secrets {
            return entry.endpoint
        }
        let endpoint = SigningEndpoint(settings: try target.settings(as: EndpointSettings.self), secrets: try target.secrets(as: SigningSecrets.self))
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[target.id] = Entry(settings: target.settings, secrets: target.secrets, endpoint: endpoint)
        }
        return endpoint
    }
}
