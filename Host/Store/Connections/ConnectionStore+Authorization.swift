import Crypto
import Foundation
import Logging
import MarketCore

/// An OAuth2 sign-in started: the URL to open in a browser, and until when it works.
public struct OAuthAuthorizationStart: Sendable, Equatable {
    public let url: String
    public let expiresAt: Date
}

extension MarketError.Code {
    /// The sign-in a callback names is unknown, already finished, or expired.
    public static let authorizationUnknown = Self(rawValue: "AUTHORIZATION_UNKNOWN")
    /// The provider refused the sign-in or the client's credentials.
    public static let connectionRefused = Self(rawValue: "CONNECTION_REFUSED")
    /// The provider's token endpoint could not be reached or answered nonsense; try again.
    public static let connectionUnavailable = Self(rawValue: "CONNECTION_UNAVAILABLE")
}

extension ConnectionStore {
    /// Where `market serve` takes providers' redirects back (`GET`, with `code` and `state`).
    public static let callbackPath = "/oauth/callback"

    /// The redirect URI for the address browsers reach `market serve` at (trailing slashes dropped).
    public static func redirectURI(base: String) -> String {
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return trimmed + callbackPath
    }

    /// How long a sign-in URL works.
    public static let authorizationLifetime: TimeInterval = 600

    /// Starts the OAuth2 authorization-code flow (RFC 6749 §4.1) with PKCE (RFC 7636) for the
    /// tenant's `plugin`: records the sign-in in the database (so that the callback may reach any
    /// replica) and returns the provider's authorization URL. The provider sends the browser back
    /// to `redirectURI` (`market serve`'s `/oauth/callback`), which calls `completeAuthorization`.
    /// - Throws: `ACCESS_DENIED`, `PLUGIN_NOT_FOUND` (not installed or not enabled),
    ///   `CONNECTION_INVALID` (no `oauth2` in the manifest, a client secret or a config field
    ///   missing, a redirect URI that is not http(s)).
    public func beginAuthorization(plugin: String, tenant: String, redirectURI: String, by principal: Principal) async throws -> OAuthAuthorizationStart {
        try principal.requireAccess(to: tenant)
        let (oauth2, settings) = try await declaration(plugin: plugin, tenant: tenant)
        guard let redirect = URLComponents(string: redirectURI), ["http", "https"].contains(redirect.scheme ?? ""), redirect.host != nil,
              redirect.query == nil, redirect.fragment == nil else {
            throw MarketError(.connectionInvalid, "the redirect URI \(redirectURI) is not an http(s) URL without a query",
                              fix: "give the address the provider sends the browser back to, e.g. https://market.example.com/oauth/callback")
        }
        let clientID = try Self.clientCredential(OAuth2Declaration.clientIDSecret, settings: settings, plugin: plugin, tenant: tenant)
        let authorize = try Self.fill(oauth2.authorizeURL, from: settings.instanceConfig, plugin: plugin, tenant: tenant)
        let state = RandomToken.make()
        let verifier = RandomToken.make()
        var query = [("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("state", state)]
        if !oauth2.scopes.isEmpty { query.append(("scope", oauth2.scopes.joined(separator: " "))) }
        if oauth2.pkce {
            let challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncoded
            query += [("code_challenge", challenge), ("code_challenge_method", "S256")]
        }
        let encoded = query.map { "\($0.0)=\(OAuthTokenEndpoint.formEncoded($0.1))" }.joined(separator: "&")
        let url = authorize + (authorize.contains("?") ? "&" : "?") + encoded
        let sealed = try box.seal(verifier, for: .connection(tenant: tenant, plugin: plugin, field: "pkce_verifier")).combined
        let expiresAt = Date().addingTimeInterval(Self.authorizationLifetime)
        try await pool.transaction { [box] connection in
            try TenantStore.requireTenant(tenant, connection, lock: false)
            _ = try connection.prepared("DELETE FROM oauth_authorizations WHERE expires_at < now()", [])
            _ = try connection.prepared("""
                INSERT INTO oauth_authorizations (state, tenant_id, plugin_id, verifier_sealed, key_id, redirect_uri, requested_by, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                """, [state, tenant, plugin, sealed, box.keyID, redirectURI, principal.actor, expiresAt])
        }
        logger.info("connection sign-in started", metadata: ["tenant": .string(tenant), "plugin": .string(plugin)])
        return OAuthAuthorizationStart(url: url, expiresAt: expiresAt)
    }

    /// Finishes a sign-in from the provider's redirect: the `state` it started with and the
    /// authorization `code`. The sign-in is used up whatever happens next, so a replayed
    /// callback cannot connect anything. The code is exchanged (with the PKCE verifier) and the
    /// tokens stored as the tenant's connection, audited under whoever started the sign-in.
    /// - Throws: `AUTHORIZATION_UNKNOWN`, `CONNECTION_REFUSED`, `CONNECTION_UNAVAILABLE`,
    ///   `CONNECTION_INVALID`, `PLUGIN_NOT_FOUND`.
    @discardableResult
    public func completeAuthorization(state: String, code: String) async throws -> TenantConnection {
        let row = try await pool.transaction { connection in
            try connection.prepared("""
                DELETE FROM oauth_authorizations WHERE state = $1
                RETURNING tenant_id, plugin_id, verifier_sealed, key_id, redirect_uri, requested_by, expires_at > now() AS current
                """, [state]).first
        }
        guard let row, try row.decode("current", as: Bool.self) else {
            throw MarketError(.authorizationUnknown, "this sign-in is unknown, was already used, or is older than \(Int(Self.authorizationLifetime / 60)) minutes",
                              fix: "start it again with `market connections authorize PLUGIN --tenant TENANT` and open the new link")
        }
        let (tenant, plugin): (String, String) = (try row.decode("tenant_id"), try row.decode("plugin_id"))
        let sealed = SecretBox.Sealed(combined: try row.decode("verifier_sealed"), keyID: try row.decode("key_id"))
        let verifier = try box.open(sealed, for: .connection(tenant: tenant, plugin: plugin, field: "pkce_verifier"))
        let (oauth2, settings) = try await declaration(plugin: plugin, tenant: tenant)
        let endpoint = try endpoint(oauth2, settings: settings, plugin: plugin, tenant: tenant)
        let redirectURI: String = try row.decode("redirect_uri")
        let tokens: OAuthTokens
        do throws(OAuthTokenEndpoint.Failure) {
            tokens = try await endpoint.exchange(code: code, redirectURI: redirectURI, verifier: oauth2.pkce ? verifier : nil)
        } catch {
            switch error {
            case .refused(let code, let description):
                throw MarketError(.connectionRefused, "\(plugin)'s provider refused the sign-in for tenant \(tenant): \(code)\(description.map { " (\($0))" } ?? "")",
                                  fix: code == "invalid_client"
                                      ? "check the secrets oauth_client_id and oauth_client_secret (`market secret set \(plugin) oauth_client_secret --tenant \(tenant)`), then sign in again"
                                      : "sign in again with `market connections authorize \(plugin) --tenant \(tenant)`")
            case .unavailable(let reason):
                throw MarketError(.connectionUnavailable, "\(plugin)'s provider gave no tokens for tenant \(tenant): \(reason)",
                                  fix: "try the sign-in again later (`market connections authorize \(plugin) --tenant \(tenant)`)")
            }
        }
        return try await storeAuthorization(tokens, plugin: plugin, tenant: tenant, redirectURI: redirectURI, by: .admin(actor: try row.decode("requested_by")))
    }

    /// The plugin's `oauth2` declaration and the tenant's settings for it.
    func declaration(plugin: String, tenant: String) async throws -> (OAuth2Declaration, PluginSettings) {
        guard let oauth2 = try tenants.manifest(plugin).oauth2 else {
            throw MarketError(.connectionInvalid, "\(plugin) does not connect by signing in: its manifest declares no oauth2",
                              fix: "give it an API key or a token with `market connections set \(plugin) --tenant \(tenant) --api-key`")
        }
        return (oauth2, try await tenants.settingsForInstance(plugin, tenant: tenant))
    }

    /// The token endpoint with the tenant's client credentials.
    func endpoint(_ oauth2: OAuth2Declaration, settings: PluginSettings, plugin: String, tenant: String) throws -> OAuthTokenEndpoint {
        OAuthTokenEndpoint(url: try Self.fill(oauth2.tokenURL, from: settings.instanceConfig, plugin: plugin, tenant: tenant),
                           clientID: try Self.clientCredential(OAuth2Declaration.clientIDSecret, settings: settings, plugin: plugin, tenant: tenant),
                           clientSecret: try Self.clientCredential(OAuth2Declaration.clientSecretSecret, settings: settings, plugin: plugin, tenant: tenant),
                           authentication: oauth2.clientAuthentication, addressGuard: tokenRequestGuard)
    }

    static func clientCredential(_ name: String, settings: PluginSettings, plugin: String, tenant: String) throws -> String {
        guard let value = settings.secrets[name], !value.isEmpty else {
            throw MarketError(.connectionInvalid, "tenant \(tenant) has not set the secret \(name) of \(plugin), which signing in needs",
                              fix: "register an integration with the provider, then `market secret set \(plugin) \(name) --tenant \(tenant)` with its value")
        }
        return value
    }

    /// `template` with each `{name}` replaced by the tenant's config field `name`, which may hold
    /// only a host name's characters, so that a value cannot move the URL elsewhere.
    /// - Throws: `CONNECTION_INVALID` naming the field that is missing or unsafe.
    static func fill(_ template: String, from config: JSONValue, plugin: String, tenant: String) throws -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            guard case .string(let value)? = config[name], !value.isEmpty else {
                throw MarketError(.connectionInvalid, "\(plugin)'s OAuth2 endpoint \(template) needs the config field \(name), which tenant \(tenant) has not set",
                                  fix: "set it with `market config \(plugin) --tenant \(tenant) \(name)=VALUE`")
            }
            guard value.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." }) else {
                throw MarketError(.connectionInvalid, "the config field \(name) of \(plugin) may hold only letters, digits, dots and hyphens",
                                  fix: "set it to the account's name as the provider shows it: `market config \(plugin) --tenant \(tenant) \(name)=mycompany`")
            }
            result += value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
