import Foundation
import MarketCore

/// root.json: the registry's keys and which of them sign each role, with thresholds. Root
/// version N+1 must be signed by the root keys of N and of N+1, so clients can follow a
/// rotation one version at a time from `roots/<N>.json`.
public struct RootMetadata: Codable, Sendable, Equatable {
    /// The kinds of signed metadata and who signs them.
    public enum Role: String, Sendable, CaseIterable {
        /// Signs root.json itself; kept offline.
        case root
        /// Signs timestamp.json, re-signed daily by `market registry refresh`.
        case timestamp
        /// Signs snapshot.json and catalog.json.
        case snapshot
        /// Signs index/<id>.json.
        case index
    }

    /// A public key as root.json lists it.
    public struct Key: Codable, Sendable, Equatable {
        public var keytype: String
        public var `public`: String

        public init(_ key: PublicKey) {
            keytype = "ed25519"
            `public` = key.base64
        }
    }

    public var type = "root"
    public var version: Int
    public var expires: String
    public var keys: [String: Key]
    public var roles: [String: RoleKeys]

    public init(version: Int, expires: Date, keys: [PublicKey], roles: [Role: RoleKeys]) {
        self.version = version
        self.expires = Expiry.text(expires)
        self.keys = Dictionary(keys.map { ($0.id, Key($0)) }, uniquingKeysWith: { first, _ in first })
        self.roles = Dictionary(uniqueKeysWithValues: roles.map { ($0.key.rawValue, $0.value) })
    }

    /// The keys by id; throws `REGISTRY_INVALID` if an id does not match its key.
    public func publicKeys() throws -> [String: PublicKey] {
        var result: [String: PublicKey] = [:]
        for (id, entry) in keys {
            let key = try PublicKey(base64: entry.public)
            guard key.id == id, entry.keytype == "ed25519" else {
                throw MarketError(.registryInvalid, "root.json lists key \(id) under the wrong id or type", fix: "re-create the root metadata with `market registry init`")
            }
            result[id] = key
        }
        return result
    }

    /// The signers of `role`; throws `REGISTRY_INVALID` if root.json does not define it.
    public func keys(for role: Role) throws -> RoleKeys {
        guard let keys = roles[role.rawValue], !keys.keyids.isEmpty, keys.threshold >= 1 else {
            throw MarketError(.registryInvalid, "root.json defines no keys for the \(role.rawValue) role", fix: "re-create the root metadata with `market registry init`")
        }
        return keys
    }

    /// Verifies `envelope` as `role` metadata signed by this root's keys.
    public func verify(_ envelope: SignedEnvelope, as role: Role, what: String) throws {
        try envelope.verify(role: keys(for: role), keys: publicKeys(), what: what)
    }
}
