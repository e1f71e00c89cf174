import Foundation
import MarketCore

/// CHECKSUMS.sig: the publisher's signature of the exact bytes of CHECKSUMS, with the
/// publisher's public key so a registry can pin it. Carrying the key grants no trust: a
/// client accepts the package only if it trusts that key id by other means.
public struct PackageSignature: Codable, Sendable, Equatable {
    public var keyid: String
    /// The publisher's public key, base64.
    public var `public`: String
    public var sig: String

    /// Signs `checksums` with `key`.
    public init(signing checksums: Data, with key: SigningKey) throws {
        keyid = key.id
        `public` = key.publicKey.base64
        sig = try key.signature(for: checksums).base64EncodedString()
    }

    /// Parses CHECKSUMS.sig; the key must match its id.
    public init(parsing data: Data) throws {
        guard let value = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)),
              let parsed = try? value.decode(PackageSignature.self, what: Checksums.signatureFileName) else {
            throw MarketError(.packageInvalid, "the package's CHECKSUMS.sig is malformed", fix: "rebuild it with `market pack`")
        }
        guard let key = try? parsed.publicKey, key.id == parsed.keyid else {
            throw MarketError(.packageInvalid, "the package's CHECKSUMS.sig names key \(parsed.keyid) but carries another key", fix: "rebuild it with `market pack`")
        }
        self = parsed
    }

    /// The publisher key the signature carries.
    public var publicKey: PublicKey {
        get throws { try PublicKey(base64: `public`) }
    }

    /// Whether `key` signed `checksums`.
    func isValid(for checksums: Data, key: PublicKey) -> Bool {
        guard let raw = Data(base64Encoded: sig) else { return false }
        return key.isValidSignature(raw, for: checksums)
    }
}
