import Foundation

/// A plugin manifest's `oauth2`: how a tenant connects the plugin's outside service by signing
/// in (the OAuth 2.0 authorization-code grant, RFC 6749 §4.1, with PKCE, RFC 7636). The host
/// runs the flow and refreshes the tokens; the plugin only ever asks for the access token.
///
/// URLs may hold `{name}` placeholders, filled from the tenant's plugin config (a field of that
/// name): amoCRM's token endpoint lives on each account's own subdomain.
public struct OAuth2Declaration: Codable, Sendable, Equatable {
    /// Where the user's browser is sent to consent.
    public var authorizeURL: String
    /// The token endpoint: codes and refresh tokens are exchanged here.
    public var tokenURL: String
    public var scopes: [String]
    /// Whether to send a PKCE challenge (S256). On unless the provider refuses the parameters.
    public var pkce: Bool
    /// How the client authenticates at the token endpoint: in the form body (`body`, the
    /// common choice) or with HTTP Basic (`basic`, RFC 6749 §2.3.1's preference).
    public var clientAuthentication: ClientAuthentication

    public enum ClientAuthentication: String, Codable, Sendable {
        case body
        case basic
    }

    /// The tenant secrets of the plugin that hold its OAuth client's id and secret (the
    /// integration the tenant registered with the provider); the manifest lists both in
    /// `permissions.secrets`.
    public static let clientIDSecret = "oauth_client_id"
    public static let clientSecretSecret = "oauth_client_secret"

    enum CodingKeys: String, CodingKey {
        case authorizeURL = "authorize_url"
        case tokenURL = "token_url"
        case scopes, pkce
        case clientAuthentication = "client_authentication"
    }

    public init(authorizeURL: String, tokenURL: String, scopes: [String] = [], pkce: Bool = true, clientAuthentication: ClientAuthentication = .body) {
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.scopes = scopes
        self.pkce = pkce
        self.clientAuthentication = clientAuthentication
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        authorizeURL = try container.decode(String.self, forKey: .authorizeURL)
        tokenURL = try container.decode(String.self, forKey: .tokenURL)
        scopes = try container.decodeIfPresent([String].self, forKey: .scopes) ?? []
        pkce = try container.decodeIfPresent(Bool.self, forKey: .pkce) ?? true
        clientAuthentication = try container.decodeIfPresent(ClientAuthentication.self, forKey: .clientAuthentication) ?? .body
    }
}
