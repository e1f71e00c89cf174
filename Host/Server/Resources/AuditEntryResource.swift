import Foundation
import MarketCore
import MarketStore

/// An audit entry as the API shows it (its details name fields and secrets, never values).
struct AuditEntryResource: Encodable {
    let entry: AuditEntry

    enum CodingKeys: String, CodingKey {
        case id, actor, action, target, details, at
        case tenantID = "tenant_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry.id, forKey: .id)
        // Absent, not null, for changes outside any tenant (admin tokens).
        try container.encodeIfPresent(entry.tenantID, forKey: .tenantID)
        try container.encode(entry.actor, forKey: .actor)
        try container.encode(entry.action, forKey: .action)
        try container.encode(entry.target, forKey: .target)
        try container.encode(entry.details, forKey: .details)
        try container.encode(entry.at, forKey: .at)
    }
}
