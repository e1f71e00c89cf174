import Foundation
import MarketStore

/// A tenant as the API shows it.
struct TenantResource: Encodable {
    let id: String
    let name: String
    let createdAt: Date

    init(_ tenant: Tenant) {
        id = tenant.id
        name = tenant.name
        createdAt = tenant.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
    }
}
