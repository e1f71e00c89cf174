import Crypto

/// A bot token or webhook secret as the Telegram channel's own box sealed it before migration 9
/// (nonce, ciphertext and tag in one value; `market.telegram/1 NUL bot NUL field` authenticated),
/// for tests that start from a database of that time.
public func legacyBotSeal(_ value: String, bot: String, field: String, key: [UInt8]) throws -> [UInt8] {
    let box = try AES.GCM.seal(Array(value.utf8), using: SymmetricKey(data: key), nonce: AES.GCM.Nonce(),
                               authenticating: Array("market.telegram/1\u{0}\(bot)\u{0}\(field)".utf8))
    guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
    return Array(combined)
}
