import Foundation
import MarketCore

/// market.lock: what is installed, pinned so that `verify` can re-check it, an update can
/// tell when permissions changed, and `rollback` can go back one version.
public struct LockFile: Codable, Sendable, Equatable {
    /// One installed plugin.
    public struct Entry: Codable, Sendable, Equatable {
        public var version: String
        /// The registry it came from (its normalised location), or `file://<path>` for `install --from`.
        public var registry: String
        /// The key id of the publisher that signed it.
        public var publisher: String
        /// SHA-256 of the canonical JSON of its permissions.
        public var permissions: String
        /// The artifact of every platform the version was published for, by platform.
        public var artifacts: [String: Pin]
        /// SHA-256 of the package's CHECKSUMS file, which lists every installed file.
        public var checksums: String
        /// The range the user asked for (`^1.0`); `update` stays inside it. None: any release.
        public var range: String?
        /// Whether the user asked for it, rather than it being installed as a dependency.
        public var requested: Bool
        /// The plugins this version needs, with their ranges.
        public var dependencies: [String: String]
        /// What was installed before this version, kept on disk for `rollback`.
        public var previous: Entry? {
            get { earlier.first }
            set { earlier = newValue.map { [$0.withoutPrevious] } ?? [] }
        }

        /// Holds `previous`: a struct cannot hold an optional of itself, an array can.
        private var earlier: [Entry]

        public init(version: String, registry: String, publisher: String, permissions: String, artifacts: [String: Pin],
                    checksums: String, range: String?, requested: Bool, dependencies: [String: String], previous: Entry? = nil) {
            self.version = version
            self.registry = registry
            self.publisher = publisher
            self.permissions = permissions
            self.artifacts = artifacts
            self.checksums = checksums
            self.range = range
            self.requested = requested
            self.dependencies = dependencies
            earlier = previous.map { [$0.withoutPrevious] } ?? []
        }

        /// The entry with no earlier version: only one step back is kept.
        var withoutPrevious: Entry {
            var copy = self
            copy.earlier = []
            return copy
        }

        /// Whether this was installed from a package file rather than a registry.
        public var isFromFile: Bool { registry.hasPrefix("file://") }

        enum CodingKeys: String, CodingKey {
            case version, registry, publisher, permissions, artifacts, checksums, range, requested, dependencies, previous
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            version = try container.decode(String.self, forKey: .version)
            registry = try container.decode(String.self, forKey: .registry)
            publisher = try container.decode(String.self, forKey: .publisher)
            permissions = try container.decode(String.self, forKey: .permissions)
            artifacts = try container.decode([String: Pin].self, forKey: .artifacts)
            checksums = try container.decode(String.self, forKey: .checksums)
            range = try container.decodeIfPresent(String.self, forKey: .range)
            requested = try container.decodeIfPresent(Bool.self, forKey: .requested) ?? true
            dependencies = try container.decodeIfPresent([String: String].self, forKey: .dependencies) ?? [:]
            earlier = try container.decodeIfPresent(Entry.self, forKey: .previous).map { [$0.withoutPrevious] } ?? []
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(registry, forKey: .registry)
            try container.encode(publisher, forKey: .publisher)
            try container.encode(permissions, forKey: .permissions)
            try container.encode(artifacts, forKey: .artifacts)
            try container.encode(checksums, forKey: .checksums)
            try container.encodeIfPresent(range, forKey: .range)
            try container.encode(requested, forKey: .requested)
            try container.encode(dependencies, forKey: .dependencies)
            try container.encodeIfPresent(previous, forKey: .previous)
        }
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

    /// The installed plugins whose locked dependencies name `id`, sorted.
    public func dependents(of id: String) -> [String] {
        plugins.filter { $0.value.dependencies[id] != nil }.map(\.key).sorted()
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
