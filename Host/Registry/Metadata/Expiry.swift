import Foundation
import MarketCore

/// Expiry times in signed metadata: RFC 3339 UTC with whole seconds, `2026-11-26T10:00:00Z`.
public enum Expiry {
    /// How long each kind of metadata stays valid after signing.
    public static let root: TimeInterval = 365 * 86_400
    public static let snapshot: TimeInterval = 30 * 86_400
    public static let timestamp: TimeInterval = 86_400

    public static func text(_ date: Date) -> String {
        formatter().string(from: date)
    }

    /// Parses an expiry; throws `REGISTRY_INVALID` naming `what`.
    public static func date(_ text: String, what: String) throws -> Date {
        guard let date = formatter().date(from: text) else {
            throw MarketError(.registryInvalid, "\(what) has an unreadable expiry '\(text)'", fix: "re-sign it with this version of market")
        }
        return date
    }

    /// Throws `META_EXPIRED` when `text` is at or before `now`.
    public static func check(_ text: String, now: Date, what: String) throws {
        guard try date(text, what: what) > now else {
            throw MarketError(.metadataExpired, "\(what) expired at \(text)",
                              fix: "the registry has not been refreshed (or someone is replaying old metadata); ask its operator to run `market registry refresh`")
        }
    }

    private static func formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }
}
