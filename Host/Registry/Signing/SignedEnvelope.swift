import Foundation
import MarketCore

/// One signature in an envelope: the signing key's id and the base64 ed25519 signature.
public struct Signature: Codable, Sendable, Equatable {
    public var keyid: String
    public var sig: String

    public init(keyid: String, sig: String) {
        self.keyid = keyid
        self.sig = sig
    }

    /// Signs `data` with `key`.
    public init(signing data: Data, with key: SigningKey) throws {
        self.init(keyid: key.id, sig: try key.signature(for: data).base64EncodedString())
    }
}

/// The keys allowed to sign one kind of metadata and how many of them must.
public struct RoleKeys: Codable, Sendable, Equatable {
    public var keyids: [String]
    public var threshold: Int

    public init(keyids: [String], threshold: Int = 1) {
        self.keyids = keyids
        self.threshold = threshold
    }
}

/// Signed metadata as stored: `{"signed": {...}, "signatures": [{"keyid", "sig"}]}`.
/// Signatures cover the canonical JSON of `signed`.
public struct SignedEnvelope: Sendable, Equatable {
    public var signed: JSONValue
    public var signatures: [Signature]

    /// Signs `payload` with every key in `keys`.
    public init(signing payload: some Encodable, with keys: [SigningKey]) throws {
        signed = try JSONValue(encoding: payload)
        let bytes = try CanonicalJSON.data(signed)
        signatures = try keys.map { try Signature(signing: bytes, with: $0) }
    }

    /// Parses an envelope file; `what` names it in errors (`timestamp.json`).
    public init(parsing data: Data, what: String) throws {
        let text = String(decoding: data, as: UTF8.self)
        guard let value = try? JSONValue(parsing: text), let signed = value["signed"], case .object = signed,
              case .array(let items)? = value["signatures"] else {
            throw MarketError(.registryInvalid, "\(what) is not a signed envelope", fix: "check the registry URL; the registry may need rebuilding")
        }
        self.signed = signed
        signatures = try items.map { try $0.decode(Signature.self, what: "a signature in \(what)") }
    }

    /// The bytes of the file: the canonical JSON of the whole envelope and a newline.
    public func fileData() throws -> Data {
        let value = JSONValue.object([
            "signed": signed,
            "signatures": .array(signatures.map { .object(["keyid": .string($0.keyid), "sig": .string($0.sig)]) }),
        ])
        return try CanonicalJSON.data(value) + Data("\n".utf8)
    }

    /// Checks that at least `role.threshold` distinct keys of `role` that appear in `keys` signed
    /// the payload. Throws `SIG_INVALID` when a trusted key's signature does not verify and
    /// too few others do, and `KEY_UNTRUSTED` when too few trusted keys signed at all.
    public func verify(role: RoleKeys, keys: [String: PublicKey], what: String) throws {
        let bytes = try CanonicalJSON.data(signed)
        let allowed = Set(role.keyids)
        var valid = Set<String>()
        var badSignature = false
        for signature in signatures where allowed.contains(signature.keyid) {
            guard let key = keys[signature.keyid] else { continue }
            if let raw = Data(base64Encoded: signature.sig), key.isValidSignature(raw, for: bytes) {
                valid.insert(signature.keyid)
            } else {
                badSignature = true
            }
        }
        guard valid.count < max(1, role.threshold) else { return }
        if badSignature {
            throw MarketError(.signatureInvalid, "\(what) has a signature that does not verify",
                              fix: "the file was altered after signing; fetch it again or ask the registry's operator to re-sign it")
        }
        let signers = signatures.map(\.keyid).joined(separator: ", ")
        throw MarketError(.keyUntrusted, "\(what) needs \(max(1, role.threshold)) signature(s) by trusted keys and has \(valid.count) (signed by: \(signers.isEmpty ? "nobody" : signers))",
                          fix: "sign it with a key the trusted root lists for this role, or trust the signer's key")
    }

    /// Decodes the signed payload; call only after `verify`.
    public func payload<T: Decodable>(_ type: T.Type, what: String) throws -> T {
        try signed.decode(T.self, what: what)
    }
}
