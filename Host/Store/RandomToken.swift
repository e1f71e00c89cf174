import Foundation

/// Unguessable values the store hands out: API tokens, OAuth2 states and PKCE verifiers.
enum RandomToken {
    /// 32 random bytes from the kernel's CSPRNG, base64url without padding: 43 characters,
    /// also the form RFC 7636 asks of a PKCE verifier.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URLEncoded
    }
}

extension Data {
    /// RFC 4648 §5 without padding.
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
