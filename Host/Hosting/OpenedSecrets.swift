import MarketCore
import MarketStore
import Synchronization

/// Targets' secrets as last opened, by target id, so a burst to one endpoint opens its sealed
/// secrets once rather than once per delivery (AES-GCM and a copy for every message). An entry
/// serves only the exact sealed bytes it was opened from: a rotated or updated secret is sealed
/// anew and opened again. Plaintexts live here as long as in the plugin's own endpoint cache.
final class OpenedSecrets: Sendable {
    private struct Entry {
        let sealed: SecretBox.Sealed
        let text: String
    }

    /// More targets than this and the cache starts over, so a host with many endpoints keeps a
    /// bounded amount.
    static let capacity = 4096
    private let entries = Mutex<[String: Entry]>([:])

    /// The secrets' JSON text of `target`, from the cache or opened with `box`.
    /// - Throws: `SECRET_UNREADABLE` when the box cannot open them.
    func text(of target: ClaimedTarget, tenant: String, box: SecretBox) throws -> String {
        if let entry = entries.withLock({ $0[target.id] }), entry.sealed == target.sealedSecrets { return entry.text }
        let text = try box.open(target.sealedSecrets, for: .target(tenant: tenant, id: target.id))
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[target.id] = Entry(sealed: target.sealedSecrets, text: text)
        }
        return text
    }
}
