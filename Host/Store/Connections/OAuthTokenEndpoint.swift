import Foundation
import MarketCore
import MarketHTTP

/// A provider's OAuth 2.0 token endpoint (RFC 6749 §3.2), with the tenant's client credentials:
/// exchanges an authorization code, or a refresh token, for tokens.
struct OAuthTokenEndpoint: Sendable {
    let url: String
    let clientID: String
    let clientSecret: String
    let authentication: OAuth2Declaration.ClientAuthentication
    /// The address ranges a token request may reach besides public ones (serve's `--allow-network`).
    let addressGuard: AddressGuard

    static let http = HTTPClient()
    static let timeout: Duration = .seconds(20)

    /// Why the endpoint gave no tokens.
    enum Failure: Error, CustomStringConvertible {
        /// The provider refused the grant or the client (RFC 6749 §5.2: `invalid_grant`,
        /// `invalid_client`, …): asking again will not help; a person must reconnect.
        case refused(error: String, description: String?)
        /// Network trouble, a 5xx, or an answer that is not a token response: try again later.
        case unavailable(String)

        var description: String {
            switch self {
            case .refused(let error, let description): description.map { "\(error): \($0)" } ?? error
            case .unavailable(let reason): reason
            }
        }
    }

    /// The authorization-code grant (RFC 6749 §4.1.3), with the PKCE verifier when one was sent.
    func exchange(code: String, redirectURI: String, verifier: String?) async throws(Failure) -> OAuthTokens {
        var form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)]
        if let verifier { form.append(("code_verifier", verifier)) }
        return try await request(form)
    }

    /// The refresh-token grant (RFC 6749 §6), blocking the calling thread: the refresher holds
    /// the connection's row lock on a database thread meanwhile.
    /// `redirectURI`, the authorization's, goes along when known: amoCRM and Kommo require it on
    /// refresh, and other servers ignore parameters they do not know (RFC 6749 §3.2).
    func refreshBlocking(_ refreshToken: String, redirectURI: String?) throws(Failure) -> OAuthTokens {
        var fields = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        if let redirectURI { fields.append(("redirect_uri", redirectURI)) }
        let request = try makeRequest(fields)
        do {
            return try Self.tokens(from: try Self.http.perform(request), endpoint: url)
        } catch let error as Failure {
            throw error
        } catch {
            throw unreachable(error)
        }
    }

    private func request(_ fields: [(String, String)]) async throws(Failure) -> OAuthTokens {
        let request = try makeRequest(fields)
        let response: HTTPResponse
        do {
            response = try await Self.http.send(request)
        } catch {
            throw unreachable(error)
        }
        return try Self.tokens(from: response, endpoint: url)
    }

    private func unreachable(_ error: any Error) -> Failure {
        .unavailable("the token endpoint \(url) could not be reached: \((error as? HTTPError)?.reason ?? "\(error)")")
    }

    private func makeRequest(_ fields: [(String, String)]) throws(Failure) -> HTTPRequest {
        var form = fields
        var headers = ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"]
        switch authentication {
        case .body:
            form += [("client_id", clientID), ("client_secret", clientSecret)]
        case .basic:
            // RFC 6749 §2.3.1: each part form-encoded before joining.
            let pair = "\(Self.formEncoded(clientID)):\(Self.formEncoded(clientSecret))"
            headers.append("Authorization: Basic \(Data(pair.utf8).base64EncodedString())")
        }
        let body = form.map { "\(Self.formEncoded($0.0))=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        let target: HTTPURL
        do {
            target = try HTTPURL(url)
        } catch {
            throw .unavailable("the token endpoint \(url) is not a URL libcurl accepts")
        }
        var request = HTTPRequest(url: target, method: "POST", headers: headers, body: Data(body.utf8),
                                  timeout: Self.timeout, maximumResponseBytes: 1 << 20)
        request.addressGuard = addressGuard
        return request
    }

    /// Reads a token response (§5.1) or an error response (§5.2).
    static func tokens(from response: HTTPResponse, endpoint: String) throws(Failure) -> OAuthTokens {
        let json = try? JSONValue(parsing: String(decoding: response.body, as: UTF8.self))
        guard (200..<300).contains(response.status) else {
            // §5.2: 400 (or 401 for client authentication) with an `error` code.
            if (400..<500).contains(response.status), case .string(let code)? = json?["error"] {
                throw .refused(error: code, description: text(json?["error_description"]).map { String($0.prefix(300)) })
            }
            throw .unavailable("the token endpoint \(endpoint) answered HTTP \(response.status)")
        }
        guard case .string(let access)? = json?["access_token"], !access.isEmpty else {
            throw .unavailable("the token endpoint \(endpoint) answered without an access_token")
        }
        if case .string(let type)? = json?["token_type"], type.lowercased() != "bearer" {
            throw .unavailable("the token endpoint \(endpoint) issued a \(type) token; only Bearer tokens are supported")
        }
        // Some providers send expires_in as a string.
        let lifetime: Double? = switch json?["expires_in"] {
        case .integer(let seconds)?: Double(seconds)
        case .number(let seconds)?: seconds
        case .string(let text)?: Double(text)
        default: nil
        }
        let refresh = text(json?["refresh_token"]).flatMap { $0.isEmpty ? nil : $0 }
        let scopes = text(json?["scope"])?.split(separator: " ").map(String.init) ?? []
        return OAuthTokens(accessToken: access, refreshToken: refresh, expiresAt: lifetime.map { Date().addingTimeInterval($0) }, scopes: scopes)
    }

    private static func text(_ value: JSONValue?) -> String? {
        if case .string(let text)? = value { text } else { nil }
    }

    /// application/x-www-form-urlencoded: unreserved characters as they are, the rest %XX.
    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
