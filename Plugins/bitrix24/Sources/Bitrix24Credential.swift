import Foundation
/// How requests are authorised, from the connection's value (`host.accessToken()`): an
/// incoming webhook's `<user id>/<secret>` (or its whole URL), or an OAuth2 access token.
enum Bitrix24Credential {
    case webhook(userID: String, secret: String)
    case oauth(accessToken: String)

    init(_ value: String) {
        var text = Substring(value.trimmingCharacters(in: .whitespacesAndNewlines))
        // A pasted webhook URL: https://portal/rest/1/secret/ (maybe with a method after it).
        if let rest = text.range(of: "/rest/") { text = text[rest.upperBound...] }
        let parts = text.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count >= 2, parts[0].allSatisfy(\.isNumber), !parts[1].isEmpty, !text.hasPrefix("/") {
            self = .webhook(userID: String(parts[0]), secret: String(parts[1]))
        } else {
            self = .oauth(accessToken: String(text))
        }
    }

    /// Where `method` is called, and the `auth` member the body needs (OAuth2 only: a token in
    /// the body stays out of URLs, which end up in logs).
    func endpoint(portal: String, method: String) -> (url: String, auth: String?) {
        switch self {
        case .webhook(let user, let secret): return ("\(portal)/rest/\(user)/\(secret)/\(method).json", nil)
        case .oauth(let token): return ("\(portal)/rest/\(method).json", token)
        }
    }

    /// What is secret in a URL or message made with this credential.
    var secret: String {
        switch self {
        case .webhook(_, let secret): return secret
        case .oauth(let token): return token
        }
    }

    /// Words for the connection test, without the secret.
    var summary: String {
        switch self {
        case .webhook(let user, _): return "an incoming webhook of user \(user)"
        case .oauth: return "an OAuth2 access token"
        }
    }

    /// The webhook's user, who may be given tasks.
    var userID: Int? {
        if case .webhook(let user, _) = self { return Int(user) }
        return nil
    }
}
