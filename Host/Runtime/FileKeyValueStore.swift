import Foundation
import MarketCore
import Synchronization

/// A key-value store kept in files under a folder: one JSON file per (tenant, plugin) with base64 values,
/// replaced atomically on every write so a crash leaves either the old or the new contents.
/// Meant for a single process (the CLI, a development host); the server uses PostgreSQL.
public final class FileKeyValueStore: KeyValueStore {
    private let root: URL
    private let cache = Mutex<[KeyValueNamespace: [String: Data]]>([:])

    public init(root: URL) throws {
        self.root = root
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw MarketError(.ioFailed, "cannot create the key-value folder \(root.path)", fix: "check the state directory's permissions", underlying: error)
        }
    }

    public func get(_ namespace: KeyValueNamespace, key: String) throws -> [UInt8]? {
        try cache.withLock { cache in try load(namespace, &cache)[key].map { Array($0) } }
    }

    public func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8]) throws {
        try update(namespace) { $0[key] = Data(value) }
    }

    public func remove(_ namespace: KeyValueNamespace, key: String) throws {
        try update(namespace) { $0.removeValue(forKey: key) }
    }

    public func keys(_ namespace: KeyValueNamespace, prefix: String) throws -> [String] {
        try cache.withLock { cache in try load(namespace, &cache).keys.filter { $0.hasPrefix(prefix) }.sorted() }
    }

    private func update(_ namespace: KeyValueNamespace, _ change: (inout [String: Data]) -> Void) throws {
        try cache.withLock { cache in
            var values = try load(namespace, &cache)
            change(&values)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            do {
                try encoder.encode(values).write(to: file(namespace), options: .atomic)
            } catch {
                throw MarketError(.ioFailed, "cannot write the key-value file for \(namespace.pluginID)", fix: "check free space and permissions under \(root.path)", underlying: error)
            }
            cache[namespace] = values
        }
    }

    private func load(_ namespace: KeyValueNamespace, _ cache: inout [KeyValueNamespace: [String: Data]]) throws -> [String: Data] {
        if let values = cache[namespace] { return values }
        let url = file(namespace)
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        do {
            let values = try JSONDecoder().decode([String: Data].self, from: Data(contentsOf: url))
            cache[namespace] = values
            return values
        } catch {
            throw MarketError(.ioFailed, "the key-value file \(url.path) is unreadable", fix: "restore it from a backup or remove it", underlying: error)
        }
    }

    /// Tenant and plugin ids are restricted to safe characters, but the tenant is hex-encoded
    /// anyway so no id can name a path.
    private func file(_ namespace: KeyValueNamespace) -> URL {
        let tenant = namespace.tenantID.utf8.map { String($0, radix: 16) }.joined()
        return root.appendingPathComponent("\(tenant)-\(namespace.pluginID).json")
    }
}
