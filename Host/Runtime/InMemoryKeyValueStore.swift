import MarketCore
import Synchronization

/// A key-value store that lives as long as the process: for tests and one-off CLI calls.
public final class InMemoryKeyValueStore: KeyValueStore {
    private let storage = Mutex<[KeyValueNamespace: [String: [UInt8]]]>([:])

    public init() {}

    public func get(_ namespace: KeyValueNamespace, key: String) throws -> [UInt8]? {
        storage.withLock { $0[namespace]?[key] }
    }

    public func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8]) throws {
        storage.withLock { $0[namespace, default: [:]][key] = value }
    }

    public func remove(_ namespace: KeyValueNamespace, key: String) throws {
        _ = storage.withLock { $0[namespace]?.removeValue(forKey: key) }
    }

    public func keys(_ namespace: KeyValueNamespace, prefix: String) throws -> [String] {
        storage.withLock { ($0[namespace] ?? [:]).keys.filter { $0.hasPrefix(prefix) }.sorted() }
    }
}
