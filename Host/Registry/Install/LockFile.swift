import Foundation
import MarketCore

/// market.lock: what is installed, pinned so that `verify` can re-check it and an update can
/// tell when permissions changed.
public struct LockFile: Codable, Sendable, Equatable {
    /// One installed plugin.
    public struct Entry: Codable, Sendable, Equatable {
        public var version: String
        /// The registry it came from.
        public var registry: String
        /// The key id of the publisher that signed it.
        public var publisher: String
        /// SHA-256 of the canonical JSON of its permissions.
        public var permissions: String
        /// The artifact of every platform the version was published for, by platform.
        public var artifacts: [String: Pin]
    }

    /// The hash and size of one artifact.
    public struct Pin: Codable, Sendable, Equatable {
        public var sha256: String
        public var size: Int64
    }

    public static let fileName = "market.lock"

    public var lockfileVersion = 1
    public var plugins: [String: Entry] = [:]

    enum CodingKeys: String, CodingKey {
        case lockfileVersion = "lockfile_version"
        case plugins
    }

    public init() {}

    /// Reads the lock in `folder`; an empty lock when there is none.
    public static func read(in folder: URL) throws -> LockFile {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return LockFile() }
        do {
            return try JSONDecoder().decode(LockFile.self, from: readFile(url))
        } catch let error as MarketError {
            throw error
        } catch {
            throw MarketError(.registryInvalid, "\(url.path) is not a readable market.lock", fix: "restore it from a backup, or remove it and reinstall", underlying: error)
        }
    }

    /// Writes the lock atomically, indented and sorted so it diffs well.
    func write(in folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: folder.appendingPathComponent(Self.fileName))
        } catch let error as MarketError {
            throw error
        } catch {
            throw MarketError(.ioFailed, "cannot encode market.lock", underlying: error)
        }
    }
}
