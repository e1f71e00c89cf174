import Foundation
import MarketCore

/// A bot or workspace: the owner of plugin installations, secrets, tokens and audit entries.
public struct Tenant: Sendable, Equatable, Codable {
    /// 1–64 of a–z 0–9 _ -, starting with a letter or digit; fixed for life.
    public let id: String
    /// A name for people.
    public let name: String
    public let createdAt: Date

    /// Whether `id` is a valid tenant id (the `tenants` table checks the same).
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count), let first = bytes.first, first.isLowerOrDigit else { return false }
        return bytes.allSatisfy { $0.isLowerOrDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// - Throws: `TENANT_ID_INVALID` naming the rule.
    static func checkID(_ id: String) throws {
        guard isValidID(id) else {
            throw MarketError(.tenantIDInvalid, "'\(id.prefix(80))' is not a tenant id: use 1–64 of a–z 0–9 _ -, starting with a letter or digit",
                              fix: "choose an id such as \"acme\" or \"shop-42\"")
        }
    }
}

extension UInt8 {
    fileprivate var isLowerOrDigit: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
