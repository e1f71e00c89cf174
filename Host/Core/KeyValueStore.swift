/// Where `market.kv/1` keeps its data. Calls block and come from plugin threads.
///
/// Every key lives in a namespace (tenant, plugin); implementations keep namespaces apart.
public protocol KeyValueStore: Sendable {
    func get(_ namespace: KeyValueNamespace, key: String) throws -> [UInt8]?
    /// Stores `value` under `key`; with `expiresAfter`, the key is gone that many seconds from
    /// now (reads no longer see it, and the store deletes it in time); without, it stays.
    func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8], expiresAfter seconds: UInt32?) throws
    func remove(_ namespace: KeyValueNamespace, key: String) throws
    /// The keys starting with `prefix`, sorted.
    func keys(_ namespace: KeyValueNamespace, prefix: String) throws -> [String]
}

extension KeyValueStore {
    /// Stores `value` under `key` for good.
    public func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8]) throws {
        try put(namespace, key: key, value: value, expiresAfter: nil)
    }
}

public struct KeyValueNamespace: Hashable, Sendable {
    public let tenantID: String
    public let pluginID: String

    public init(tenantID: String, pluginID: String) {
        self.tenantID = tenantID
        self.pluginID = pluginID
    }
}

/// Limits that every store enforces the same way.
public enum KeyValueLimits {
    public static let maximumKeyBytes = 512
    public static let maximumValueBytes = 1 << 20
}
