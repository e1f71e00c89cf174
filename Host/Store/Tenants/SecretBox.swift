import Crypto
import Foundation
import MarketCore

/// Seals secrets with AES-256-GCM under the master key. The tenant, plugin and secret name
/// are authenticated data, so a ciphertext copied into another row (another tenant, plugin or
/// name) fails to open instead of handing one tenant's secret to another.
struct SecretBox: Sendable {
    /// A sealed secret as the `secrets` table stores it.
    struct Sealed: Sendable, Equatable {
        /// The encrypted value followed by GCM's 16-byte tag.
        let ciphertext: [UInt8]
        /// The 12-byte nonce, random for every seal.
        let nonce: [UInt8]
        /// The master key's id.
        let keyID: String
    }

    let key: MasterKey

    func seal(_ value: String, tenant: String, plugin: String, name: String) throws -> Sealed {
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(Array(value.utf8), using: key.key, nonce: AES.GCM.Nonce(),
                                   authenticating: Self.associatedData(tenant: tenant, plugin: plugin, name: name))
        } catch {
            throw MarketError(.secretUnreadable, "cannot encrypt the secret \(name) of \(plugin)", fix: "report this as a bug", underlying: error)
        }
        return Sealed(ciphertext: Array(box.ciphertext) + Array(box.tag), nonce: Array(box.nonce), keyID: key.id)
    }

    /// - Throws: `SECRET_UNREADABLE` when the row was sealed under another key, altered, or
    ///   belongs to another tenant, plugin or name.
    func open(_ sealed: Sealed, tenant: String, plugin: String, name: String) throws -> String {
        guard sealed.keyID == key.id else {
            throw MarketError(.secretUnreadable,
                              "the secret \(name) of \(plugin) was sealed under master key \(sealed.keyID), not the current key \(key.id)",
                              fix: "start market with the master key it was stored under (MARKET_MASTER_KEY or the state directory's master.key), or set the secret again")
        }
        do {
            guard sealed.ciphertext.count >= 16 else { throw CryptoKitError.authenticationFailure }
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: sealed.nonce),
                                            ciphertext: sealed.ciphertext.dropLast(16), tag: sealed.ciphertext.suffix(16))
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Self.associatedData(tenant: tenant, plugin: plugin, name: name))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw MarketError(.secretUnreadable,
                              "the stored secret \(name) of \(plugin) fails authentication: it was altered or copied from another row",
                              fix: "set the secret again (market secret set \(plugin) \(name)); check who can write to the database")
        }
    }

    /// Length-prefixed fields, so ("ab", "c") and ("a", "bc") never authenticate alike.
    static func associatedData(tenant: String, plugin: String, name: String) -> [UInt8] {
        var data = Array("market.secret/1".utf8)
        for field in [tenant, plugin, name] {
            let bytes = Array(field.utf8)
            let count = UInt32(bytes.count)
            data += [UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + bytes
        }
        return data
    }
}
