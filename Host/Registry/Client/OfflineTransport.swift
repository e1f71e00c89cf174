import Foundation
import MarketCore

/// Reads a registry from what a client kept: the trusted timestamp and snapshot of its state
/// folder, and the index files, catalog and artifacts of its cache. Never touches the network.
public struct OfflineTransport: RegistryTransport {
    public let state: URL

    public init(state: URL) {
        self.state = state
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        let cached = RegistryLayout.isCacheable(path)
        // Root rotations are followed online only; offline, the trusted root is the newest.
        guard path == RegistryLayout.timestamp || path == RegistryLayout.snapshot || cached else {
            throw MarketError(.notFound, "offline, \(path) is not kept", fix: "run once without --offline")
        }
        let root = cached ? state.appendingPathComponent(RegistryCache.folderName) : state
        do {
            return try await FileTransport(root: root).fetch(path, maximumBytes: maximumBytes)
        } catch let error as MarketError where error.code == .notFound {
            throw MarketError(.fetchFailed, "offline, and \(path) was never fetched from this registry",
                              fix: "run once without --offline to fill the cache, or install from a mirror folder with --registry DIR")
        }
    }
}
