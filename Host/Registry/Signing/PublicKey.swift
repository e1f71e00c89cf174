import Crypto
import Foundation
import MarketCore

/// An ed25519 public key and its id: the first 16 hex digits of the SHA-256 of the raw key.
public struct PublicKey: Sendable, Hashable {
    /// The 32 raw bytes of the key.
    public let rawRepresentation: Data
    /// `sha256(raw)[0..<8]` in lower-case hex; metadata and signatures name keys by it.
    public let id: String

    /// Wraps 32 raw bytes; throws `KEY_INVALID` for anything that is not an ed25519 key.
    public init(rawRepresentation: Data) throws {
        do {
            _ = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
        } catch {
            throw MarketError(.keyInvalid, "not an ed25519 public key (\(rawRepresentation.count) bytes)",
                              fix: "use a public key written by `market keygen`", underlying: error)
        }
        self.rawRepresentation = rawRepresentation
        id = Self.id(of: rawRepresentation)
    }

    /// Wraps a base64-encoded raw key, as metadata and key files carry it.
    public init(base64: String) throws {
        guard let raw = Data(base64Encoded: base64) else {
            throw MarketError(.keyInvalid, "a public key is not valid base64", fix: "use a public key written by `market keygen`")
        }
        try self.init(rawRepresentation: raw)
    }

    /// The key in base64, as metadata carries it.
    public var base64: String { rawRepresentation.base64EncodedString() }

    /// Whether `signature` is this key's ed25519 signature of `data`.
    public func isValidSignature(_ signature: Data, for data: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: data)
    }

    static func id(of raw: Data) -> String {
        hexDigits(SHA256.hash(data: raw).prefix(8))
    }
}
