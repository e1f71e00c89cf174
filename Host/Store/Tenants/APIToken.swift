import Crypto
import Foundation

/// A token as listed: everything but the token itself, which is kept only as a SHA-256 hash.
public struct TokenInfo: Sendable, Equatable, Codable {
    /// `tok_` and 16 hex digits; names the token in lists, revocation and the audit log.
    public let id: String
    public let role: Principal.Role
    /// The tenant of a tenant token; nil for admin tokens.
    public let tenantID: String?
    public let label: String
    public let createdAt: Date
    /// When the token last authenticated (updated at most once a minute).
    public let lastUsedAt: Date?
    public let revokedAt: Date?
}

/// A token just made: the only time its value is available.
public struct IssuedToken: Sendable {
    public let info: TokenInfo
    /// The bearer token: `mka_…` (admin) or `mkt_…` (tenant) and 43 base64url characters.
    public let token: String
}

/// Making and hashing tokens.
enum TokenMaker {
    /// 32 random bytes from the kernel's CSPRNG, base64url without padding, after a prefix
    /// that tells admin from tenant tokens at a glance (and to secret scanners).
    static func make(role: Principal.Role) -> (id: String, token: String) {
        var generator = SystemRandomNumberGenerator()
        let body = RandomToken.make()
        let id = "tok_" + (0..<8).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        return (id, (role == .admin ? "mka_" : "mkt_") + body)
    }

    /// Whether `text` has the form of a token id: `tok_` and 16 lower-case hex digits.
    static func isTokenID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 20 && text.hasPrefix("tok_")
            && bytes.dropFirst(4).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// What `api_tokens.token_hash` holds. A plain hash suffices: tokens carry 256 random bits,
    /// so there is nothing to guess that a slow hash would protect.
    static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }
}
