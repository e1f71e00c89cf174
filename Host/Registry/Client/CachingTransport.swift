import Foundation
import MarketCore

/// Keeps a copy of the index files, catalog and artifacts a transport fetches, in a tree of
/// the registry's layout under the client's state folder (`cache/`), so `--offline` can
/// install from it later. What is cached is verified again when read back, like any mirror.
public struct CachingTransport: RegistryTransport {
    public let base: any RegistryTransport
    public let cache: URL

    public init(_ base: any RegistryTransport, cache: URL) {
        self.base = base
        self.cache = cache
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        try await fetch(path, maximumBytes: maximumBytes, progress: nil)
    }

    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        let data = try await base.fetch(path, maximumBytes: maximumBytes, progress: progress)
        if Self.isCached(path) {
            let url = cache.appendingPathComponent(path)
            // A cache that cannot be written costs only the offline copy.
            try? await BlockingWork.run { try AtomicFile.write(data, to: url) }
        }
        return data
    }

    /// The files worth keeping: those the trusted state does not already hold.
    static func isCached(_ path: String) -> Bool {
        path == RegistryLayout.catalog || path.hasPrefix("index/") || path.hasPrefix("artifacts/")
    }
}

/// Reads a registry from what a client kept: the trusted timestamp and snapshot of its state
/// folder, and the index files, catalog and artifacts of its cache. Never touches the network.
public struct OfflineTransport: RegistryTransport {
    public let state: URL

    public init(state: URL) {
        self.state = state
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        let root = CachingTransport.isCached(path) ? state.appendingPathComponent("cache") : state
        // Root rotations are followed online only; offline, the trusted root is the newest.
        guard path == RegistryLayout.timestamp || path == RegistryLayout.snapshot || CachingTransport.isCached(path) else {
            throw MarketError(.notFound, "offline, \(path) is not kept", fix: "run once without --offline")
        }
        do {
            return try await FileTransport(root: root).fetch(path, maximumBytes: maximumBytes)
        } catch let error as MarketError where error.code == .notFound {
            throw MarketError(.fetchFailed, "offline, and \(path) was never fetched from this registry",
                              fix: "run once without --offline to fill the cache, or install from a mirror folder with --registry DIR")
        }
    }
}
