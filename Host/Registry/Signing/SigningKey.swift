import Crypto
import Foundation
import MarketCore

/// An ed25519 private key. Its `description` shows only the key id, so logging or printing
/// one never reveals the key.
public struct SigningKey: Sendable, CustomStringConvertible {
    private let key: Curve25519.Signing.PrivateKey
    /// The matching public key.
    public let publicKey: PublicKey

    /// A new random key.
    public static func generate() -> SigningKey {
        // A fresh key's public half is always a valid ed25519 key.
        SigningKey(key: Curve25519.Signing.PrivateKey())
    }

    /// Wraps the 32 raw bytes of a private key.
    public init(rawRepresentation: Data) throws {
        do {
            self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation))
        } catch {
            throw MarketError(.keyInvalid, "not an ed25519 private key", fix: "use a private key written by `market keygen`", underlying: error)
        }
    }

    private init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        let raw = key.publicKey.rawRepresentation
        // The raw bytes come from a valid key, so only the id needs computing.
        publicKey = PublicKey(validated: raw)
    }

    /// The key id of the public half.
    public var id: String { publicKey.id }

    /// The ed25519 signature of `data`.
    public func signature(for data: Data) throws -> Data {
        do {
            return try key.signature(for: data)
        } catch {
            throw MarketError(.keyInvalid, "signing with key \(id) failed", underlying: error)
        }
    }

    /// The raw private key, for writing the key file only.
    var rawRepresentation: Data { key.rawRepresentation }

    public var description: String { "SigningKey(\(id))" }
}

extension PublicKey {
    /// For raw bytes that came from a valid key.
    init(validated raw: Data) {
        rawRepresentation = raw
        id = Self.id(of: raw)
    }
}
