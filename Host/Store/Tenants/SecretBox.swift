import Crypto
import Foundation
import MarketCore

/// Seals every secret the host stores with AES-256-GCM under the master key: tenants' plugin
/// secrets and the Telegram bots' tokens and webhook secrets. The place a value is stored
/// (`Place`) is the authenticated data, so a ciphertext copied into another row (another tenant,
/// plugin, name or bot) fails to open instead of handing one owner's secret to another.
public struct SecretBox: Sendable {
    /// A sealed value.
    public struct Sealed: Sendable, Equatable {
        /// The encrypted value followed by GCM's 16-byte tag.
        public let ciphertext: [UInt8]
        /// The 12-byte nonce, random for every seal.
        public let nonce: [UInt8]
        /// The master key's id.
        public let keyID: String

        public init(ciphertext: [UInt8], nonce: [UInt8], keyID: String) {
            self.ciphertext = ciphertext
            self.nonce = nonce
            self.keyID = keyID
        }

        /// From nonce, ciphertext and tag in one value, as `telegram_bots` stores them.
        public init(combined: [UInt8], keyID: String) {
            self.init(ciphertext: Array(combined.dropFirst(12)), nonce: Array(combined.prefix(12)), keyID: keyID)
        }

        /// Nonce, ciphertext and tag in one value.
        public var combined: [UInt8] { nonce + ciphertext }
    }

    /// Where a sealed value is stored: what it is bound to, and how errors name it.
    public struct Place: Sendable {
        let fields: [String]
        let description: String
        let fix: String

        /// A tenant's secret for a plugin (a row of `secrets`).
        public static func secret(tenant: String, plugin: String, name: String) -> Place {
            Place(fields: [tenant, plugin, name], description: "secret \(name) of \(plugin)",
                  fix: "set the secret again (market secret set \(plugin) \(name)); check who can write to the database")
        }

        /// A connection's access token (`field` "access") or OAuth2 refresh token ("refresh"), a
        /// row of `connections`. Four fields, so never a tenant secret's place (three).
        public static func connection(tenant: String, plugin: String, field: String) -> Place {
            Place(fields: ["connections", tenant, plugin, field], description: "\(field) token of the connection of \(plugin)",
                  fix: "set the credentials again (`market connections set \(plugin) --tenant \(tenant)`); check who can write to the database")
        }

        /// A bot's token or webhook secret (`field` is "token" or "secret"; a row of
        /// `telegram_bots`). Never a tenant secret's place: its second field, the bot id
        /// (`tgb_…`), holds a `_`, which a plugin id cannot.
        public static func telegramBot(_ bot: String, field: String) -> Place {
            Place(fields: ["telegram_bots", bot, field], description: "\(field) of Telegram bot \(bot)",
                  fix: "connect the bot again (`market telegram connect`); check who can write to the database")
        }
    }

    let key: MasterKey

    public init(key: MasterKey) {
        self.key = key
    }

    /// The id of the master key this box seals under.
    public var keyID: String { key.id }

    /// - Throws: `SECRET_UNREADABLE` if encryption fails (it does not with a valid key).
    public func seal(_ value: String, for place: Place) throws -> Sealed {
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(Array(value.utf8), using: key.key, nonce: AES.GCM.Nonce(), authenticating: Self.associatedData(place.fields))
        } catch {
            throw MarketError(.secretUnreadable, "cannot encrypt the \(place.description)", fix: "report this as a bug", underlying: error)
        }
        return Sealed(ciphertext: Array(box.ciphertext) + Array(box.tag), nonce: Array(box.nonce), keyID: key.id)
    }

    /// - Throws: `SECRET_UNREADABLE` when the value was sealed under another key, altered, or
    ///   belongs to another place.
    public func open(_ sealed: Sealed, for place: Place) throws -> String {
        guard sealed.keyID == key.id else {
            throw MarketError(.secretUnreadable,
                              "the \(place.description) was sealed under master key \(sealed.keyID), not the current key \(key.id)",
                              fix: "start market with the master key it was stored under (MARKET_MASTER_KEY or the state directory's master.key), or \(place.fix)")
        }
        do {
            guard sealed.ciphertext.count >= 16 else { throw CryptoKitError.authenticationFailure }
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: sealed.nonce),
                                            ciphertext: sealed.ciphertext.dropLast(16), tag: sealed.ciphertext.suffix(16))
            let plain = try AES.GCM.open(box, using: key.key, authenticating: Self.associatedData(place.fields))
            return String(decoding: plain, as: UTF8.self)
        } catch {
            throw MarketError(.secretUnreadable,
                              "the stored \(place.description) fails authentication: it was altered or copied from another row",
                              fix: place.fix)
        }
    }

    /// Length-prefixed fields, so ("ab", "c") and ("a", "bc") never authenticate alike.
    static func associatedData(_ fields: [String]) -> [UInt8] {
        var data = Array("market.secret/1".utf8)
        for field in fields {
            let bytes = Array(field.utf8)
            let count = UInt32(bytes.count)
            data += [UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + bytes
        }
        return data
    }
}
