import Foundation
import MarketCore

/// A tenant's connection to a plugin's outside service, as people and the API see it: never a
/// token, only what kind it is, whether it works and when its access token expires.
public struct TenantConnection: Sendable, Equatable, Codable {
    /// How the tenant's credentials were given.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An API key, sent as the service asks (a header, a query parameter).
        case apiKey = "api_key"
        /// A long-lived token (amoCRM's long-lived token, a Bitrix24 incoming webhook's secret).
        case token
        /// OAuth2: an access token the host refreshes with a refresh token the plugin never sees.
        case oauth2
    }

    public enum Status: String, Sendable, Codable {
        case connected
        /// The service refused the credentials (a revoked grant): a person must connect again.
        case needsReconnect = "needs_reconnect"
    }

    public let tenantID: String
    public let pluginID: String
    public let kind: Kind
    public let status: Status
    /// When the access token expires; nil when it does not (API keys, tokens) or is not known.
    public let accessExpiresAt: Date?
    public let scopes: [String]
    /// Why the connection needs reconnecting (the service's own words), for people.
    public let lastError: String?
    public let updatedAt: Date

    /// As the API and `--json` show it.
    public var json: JSONValue {
        var object: [String: JSONValue] = ["tenant": .string(tenantID), "plugin": .string(pluginID), "kind": .string(kind.rawValue),
                                           "status": .string(status.rawValue), "scopes": .array(scopes.map(JSONValue.string)),
                                           "updated_at": .string(Self.timestamp(updatedAt))]
        object["access_expires_at"] = accessExpiresAt.map { .string(Self.timestamp($0)) } ?? .null
        object["last_error"] = lastError.map(JSONValue.string) ?? .null
        return .object(object)
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// Tokens from an OAuth2 token endpoint (RFC 6749 §5.1), decoded but not yet stored.
public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: String
    /// nil when the server issued none; a refresh without one keeps the stored refresh token.
    public var refreshToken: String?
    public var expiresAt: Date?
    public var scopes: [String]

    public init(accessToken: String, refreshToken: String?, expiresAt: Date?, scopes: [String] = []) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scopes = scopes
    }
}

extension MarketError.Code {
    /// The tenant has no connection for the plugin.
    public static let connectionNotFound = Self(rawValue: "CONNECTION_NOT_FOUND")
    /// A credential given for a connection is empty or too long.
    public static let connectionInvalid = Self(rawValue: "CONNECTION_INVALID")
}
