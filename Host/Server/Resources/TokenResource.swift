import Foundation
import MarketStore

/// A token as listed: its id and facts, never its value.
struct TokenResource: Encodable {
    let info: TokenInfo
    /// The bearer token itself, only in the answer that made it.
    let token: String?

    init(_ info: TokenInfo, token: String? = nil) {
        self.info = info
        self.token = token
    }

    enum CodingKeys: String, CodingKey {
        case id, role, label, token
        case tenantID = "tenant_id"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(info.id, forKey: .id)
        try container.encode(info.role.rawValue, forKey: .role)
        try container.encode(info.label, forKey: .label)
        // Absent, not null, for admin tokens: there is no tenant to name.
        try container.encodeIfPresent(info.tenantID, forKey: .tenantID)
        try container.encode(info.createdAt, forKey: .createdAt)
        try container.encode(info.lastUsedAt, forKey: .lastUsedAt)
        try container.encode(info.revokedAt, forKey: .revokedAt)
        try container.encodeIfPresent(token, forKey: .token)
    }
}
