import Foundation
import MarketCore
import Synchronization

/// A key-value store kept in files under a folder: one JSON file per (tenant, plugin) with base64 values,
/// replaced atomically on every write so a crash leaves either the old or the new contents.
/// Meant for a single process (the CLI, a development host); the server uses PostgreSQL.
///
/// A file is `{"values": {key: base64}, "expiries": {key: seconds since 1970}}`; a file of the
/// earlier form, the values object alone, is still read. Expired keys are not seen and are
/// dropped from the file at its next write.
public final class FileKeyValueStore: KeyValueStore {
    private struct Contents: Codable {
        var values: [String: Data] = [:]
        var expiries: [String: Double] = [:]

        func isLive(_ key: String, at now: Date) -> Bool {
            expiries[key].map { $0 > now.timeIntervalSince1970 } ?? true
        }
    }

    private let root: URL
    private let cache = Mutex<[KeyValueNamespace: Contents]>([:])
    private let now: @Sendable () -> Date

    /// - Parameter now: the clock expiries are read against.
    public init(root: URL, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.root = root
        self.now = now
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw MarketError(.ioFailed, "cannot create the key-value folder \(root.path)", fix: "check the state directory's permissions", underlying: error)
        }
    }

    public func get(_ namespace: KeyValueNamespace, key: String) throws -> [UInt8]? {
        let now = now()
        return try cache.withLock { cache in
            let contents = try load(namespace, &cache)
            return contents.isLive(key, at: now) ? contents.values[key].map { Array($0) } : nil
        }
    }

    public func put(_ namespace: KeyValueNamespace, key: String, value: [UInt8], expiresAfter seconds: UInt32?) throws {
        let now = now()
        try update(namespace) { contents in
            contents.values[key] = Data(value)
            contents.expiries[key] = seconds.map { now.timeIntervalSince1970 + Double($0) }
        }
    }

    public func remove(_ namespace: KeyValueNamespace, key: String) throws {
        try update(namespace) { contents in
            contents.values.removeValue(forKey: key)
            contents.expiries.removeValue(forKey: key)
        }
    }

    public func keys(_ namespace: KeyValueNamespace, prefix: String) throws -> [String] {
        let now = now()
        return try cache.withLock { cache in
            let contents = try load(namespace, &cache)
            return contents.values.keys.filter { $0.hasPrefix(prefix) && contents.isLive($0, at: now) }.sorted()
        }
    }

    private func update(_ namespace: KeyValueNamespace, _ change: (inout Contents) -> Void) throws {
        let now = now()
        try cache.withLock { cache in
            var contents = try load(namespace, &cache)
            for (key, _) in contents.expiries where !contents.isLive(key, at: now) {
                contents.values.removeValue(forKey: key)
                contents.expiries.removeValue(forKey: key)
            }
            change(&contents)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            do {
                try encoder.encode(contents).write(to: file(namespace), options: .atomic)
            } catch {
                throw MarketError(.ioFailed, "cannot write the key-value file for \(namespace.pluginID)", fix: "check free space and permissions under \(root.path)", underlying: error)
            }
            cache[namespace] = contents
        }
    }

    private func load(_ namespace: KeyValueNamespace, _ cache: inout [KeyValueNamespace: Contents]) throws -> Contents {
        if let contents = cache[namespace] { return contents }
        let url = file(namespace)
        guard FileManager.default.fileExists(atPath: url.path) else { return Contents() }
        do {
            let data = try Data(contentsOf: url)
            let contents = try (try? JSONDecoder().decode(Contents.self, from: data))
                ?? Contents(values: JSONDecoder().decode([String: Data].self, from: data))
            cache[namespace] = contents
            return contents
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
