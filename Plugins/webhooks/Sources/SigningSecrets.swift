import Crypto
import Foundation
import PluginKit

/// An endpoint's signing secrets as the host stores them (encrypted): the current one and,
/// after a rotation, previous ones that keep signing until their `expires_at`.
struct SigningSecrets: Codable, Equatable {
    struct Previous: Codable, Equatable {
        var secret: String
        /// ISO 8601, as the host writes `now`; a value that does not parse counts as expired.
        var expires_at: String

        init(secret: String, expiresAt: Date) {
            self.secret = secret
            expires_at = expiresAt.formatted(.iso8601)
        }

        func isLive(at now: Date) -> Bool {
            (try? Date(expires_at, strategy: .iso8601)).map { $0 > now } ?? false
        }
    }

    /// `whsec_…` (HMAC-SHA256, "v1") or `whsk_…` (an Ed25519 private key, "v1a").
    var secret: String
    var previous: [Previous] = []

    /// The secrets that sign at `now`: the current one first, then unexpired previous ones.
    func live(at now: Date) -> [String] {
        [secret] + previous.filter { $0.isLive(at: now) }.map(\.secret)
    }

    /// Without the previous secrets that expired by `now`.
    func pruned(at now: Date) -> SigningSecrets {
        SigningSecrets(secret: secret, previous: previous.filter { $0.isLive(at: now) })
    }

    static let symmetricPrefix = "whsec_"
    static let privateKeyPrefix = "whsk_"
    static let publicKeyPrefix = "whpk_"

    /// A new `whsec_` secret: 24 random bytes, base64.
    static func makeSymmetric() -> String {
        symmetricPrefix + SymmetricKey(size: .bits192).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// A new Ed25519 key pair: the private key's 32-byte seed as `whsk_…` and the public key as `whpk_…`.
    static func makeAsymmetric() -> (secret: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (privateKeyPrefix + key.rawRepresentation.base64EncodedString(), publicKeyPrefix + key.publicKey.rawRepresentation.base64EncodedString())
    }

    /// The key bytes of a `whsec_` secret an operator gave: base64 of 24–64 bytes.
    static func symmetricKey(_ secret: String) -> Data? {
        guard secret.hasPrefix(symmetricPrefix), let bytes = Data(base64Encoded: String(secret.dropFirst(symmetricPrefix.count))),
              (24...64).contains(bytes.count) else { return nil }
        return bytes
    }

    /// The public key of a `whsk_` secret, as `whpk_…`.
    static func publicKey(of secret: String) -> String? {
        guard let key = privateKey(secret) else { return nil }
        return publicKeyPrefix + key.publicKey.rawRepresentation.base64EncodedString()
    }

    static func privateKey(_ secret: String) -> Curve25519.Signing.PrivateKey? {
        guard secret.hasPrefix(privateKeyPrefix), let seed = Data(base64Encoded: String(secret.dropFirst(privateKeyPrefix.count))) else { return nil }
        return try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
    }
}

/// The `webhook-signature` header: one `v1,<base64>` (HMAC-SHA256) or `v1a,<base64>` (Ed25519)
/// per live secret, space-separated, each over `<id>.<timestamp>.<body>`.
enum Signature {
    static func header(id: String, timestamp: Int, body: [UInt8], secrets: [String]) throws -> String {
        var content = Array("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        return try secrets.map { secret in
            if let key = SigningSecrets.symmetricKey(secret) {
                let code = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
                return "v1," + Data(code).base64EncodedString()
            }
            if let key = SigningSecrets.privateKey(secret) {
                return "v1a," + (try key.signature(for: content)).base64EncodedString()
            }
            throw unusableSecret
        }.joined(separator: " ")
    }

    static let unusableSecret = PluginError(.invalidArgument, "a stored signing secret is neither whsec_ nor whsk_; rotate the endpoint's secret")
}
