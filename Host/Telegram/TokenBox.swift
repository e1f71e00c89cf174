import Crypto
import Foundation
import Logging
import MarketCore
import MarketStore

/// Seals bot tokens and webhook secrets with AES-256-GCM, bound to the bot's id and the
/// field's name (authenticated data), so a sealed value copied to another bot or field fails
/// to open.
public struct TokenBox: Sendable {
    private let key: SymmetricKey
    /// Names the key without revealing it, like `MasterKey.id`.
    public let keyID: String

    /// A box on 32 bytes of key.
    /// - Throws: `MASTER_KEY_INVALID` for another length.
    public init(keyBytes: [UInt8]) throws {
        guard keyBytes.count == 32 else {
            throw MarketError(.masterKeyInvalid, "a key for bot tokens must be 32 bytes, not \(keyBytes.count)", fix: "make one with `openssl rand -base64 32`")
        }
        key = SymmetricKey(data: keyBytes)
        keyID = try MasterKey(bytes: keyBytes).id
    }

    /// A box on the master key: `MARKET_MASTER_KEY`, or the state directory's key file (made
    /// when missing), read after `MasterKey.load` has checked it.
    public static func load(stateDirectory: URL, environment: [String: String] = ProcessInfo.processInfo.environment,
                            logger: Logger) throws -> TokenBox {
        let master = try MasterKey.load(environment: environment, stateDirectory: stateDirectory, logger: logger)
        let text: String
        if let value = environment[MasterKey.environmentVariable], !value.isEmpty {
            text = value
        } else {
            text = try String(contentsOf: stateDirectory.appendingPathComponent(MasterKey.fileName), encoding: .utf8)
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw MarketError(.masterKeyInvalid, "the master key is not base64", fix: "set MARKET_MASTER_KEY to the output of `openssl rand -base64 32`")
        }
        let box = try TokenBox(keyBytes: Array(bytes))
        guard box.keyID == master.id else {
            throw MarketError(.masterKeyInvalid, "the master key changed while it was read", fix: "run the command again")
        }
        return box
    }

    func seal(_ value: String, bot: String, field: String) throws -> [UInt8] {
        do {
            let box = try AES.GCM.seal(Array(value.utf8), using: key, nonce: AES.GCM.Nonce(), authenticating: Self.associatedData(bot: bot, field: field))
            guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
            return Array(combined)
        } catch {
            throw MarketError(.secretUnreadable, "cannot encrypt the \(field) of bot \(bot)", fix: "report this as a bug", underlying: error)
        }
    }

    func open(_ sealed: [UInt8], keyID sealedKeyID: String, bot: String, field: String) throws -> String {
        guard sealedKeyID == keyID else {
            throw MarketError(.secretUnreadable, "the \(field) of bot \(bot) was sealed under master key \(sealedKeyID), not the current key \(keyID)",
                              fix: "start market with the master key it was stored under, or connect the bot again")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return String(decoding: try AES.GCM.open(box, using: key, authenticating: Self.associatedData(bot: bot, field: field)), as: UTF8.self)
        } catch {
            throw MarketError(.secretUnreadable, "the stored \(field) of bot \(bot) fails authentication: it was altered or copied from another row",
                              fix: "connect the bot again (`market telegram connect`)")
        }
    }

    private static func associatedData(bot: String, field: String) -> [UInt8] {
        Array("market.telegram/1\u{0}\(bot)\u{0}\(field)".utf8)
    }
}
