import Foundation
import MarketCore

/// Fetches files of a registry tree by their path in the tree (`timestamp.json`,
/// `index/notes.json`).
public protocol RegistryTransport: Sendable {
    /// The file at `path`. Throws `NOT_FOUND` when the registry has no such file,
    /// `FETCH_FAILED` when it cannot be reached, and `HASH_MISMATCH` when the file is longer
    /// than `maximumBytes` (a registry never serves more than the metadata pins).
    func fetch(_ path: String, maximumBytes: Int64) async throws -> Data

    /// The same, telling `progress` how many bytes have arrived as they do.
    func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data
}

extension RegistryTransport {
    /// Transports that read a file at once report it whole.
    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        let data = try await fetch(path, maximumBytes: maximumBytes)
        progress?(Int64(data.count))
        return data
    }
}

/// A registry in a local folder or mounted mirror (`file://`).
public struct FileTransport: RegistryTransport {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        let url = root.appendingPathComponent(path)
        return try await BlockingWork.run {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw MarketError(.notFound, "the registry has no \(path)", fix: "check the registry's location")
            }
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            } catch {
                throw MarketError(.fetchFailed, "cannot read \(url.path)", fix: "check the registry folder's permissions", underlying: error)
            }
            if let size = (attributes[.size] as? NSNumber)?.int64Value, size > maximumBytes {
                throw RegistryTransportLimit.exceeded(path, maximumBytes)
            }
            do {
                return try Data(contentsOf: url)
            } catch {
                throw MarketError(.fetchFailed, "cannot read \(url.path)", fix: "check the registry folder's permissions", underlying: error)
            }
        }
    }
}

/// The error of a transport that is handed more bytes than the metadata allows.
enum RegistryTransportLimit {
    static func exceeded(_ path: String, _ limit: Int64) -> MarketError {
        MarketError(.hashMismatch, "\(path) is longer than the \(limit) bytes the signed metadata allows",
                    fix: "a mirror or cache served an altered file; try again later or use another mirror")
    }
}
