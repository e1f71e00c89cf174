import Foundation
import MarketCore
import Synchronization

/// A key-value store that lives as long as the process: for tests and one-off CLI calls.
public final class InMemoryKeyValueStore: KeyValueStore {
    private struct Entry {
        var value: [UInt8]
        var expiresAt: Date?
    }

    private let storage = Mutex<[KeyValueNamespace: [String: Entry]]>([:])
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock expiries are read against.
    public init(now: @escaping @Sendable () -> Date = Date.init) {
        self.now = now
    }

    public func get(_ namespace: KeyValueNamespace, key: String) throws -> [UInt8]? {
        let now = now()
        return storage.withLock { $0[namespace]?[key].flatMap { Self.isLive($0, at: now) ? $0.value : nil } }
    }

    public func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8], expiresAfter seconds: UInt32?) throws {
        let expiresAt = seconds.map { now().addingTimeInterval(TimeInterval($0)) }
        storage.withLock { storage in
            // Expired keys go when their namespace is next written, so the map does not grow with them.
            let now = now()
            storage[namespace, default: [:]] = storage[namespace, default: [:]].filter { Self.isLive($0.value, at: now) }
            storage[namespace, default: [:]][key] = Entry(value: value, expiresAt: expiresAt)
        }
    }

    public func remove(_ namespace: KeyValueNamespace, key: String) throws {
        _ = storage.withLock { $0[namespace]?.removeValue(forKey: key) }
    }

    public func keys(_ namespace: KeyValueNamespace, prefix: String) throws -> [String] {
        let now = now()
        return storage.withLock { storage in
            (storage[namespace] ?? [:]).filter { $0.key.hasPrefix(prefix) && Self.isLive($0.value, at: now) }.keys.sorted()
        }
    }

    private static func isLive(_ entry: Entry, at now: Date) -> Bool {
        entry.expiresAt.map { $0 > now } ?? true
    }
}
