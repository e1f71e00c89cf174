/// timestamp.json: short-lived, re-signed daily; pins the current snapshot.json.
public struct TimestampMetadata: Codable, Sendable, Equatable {
    public var type = "timestamp"
    public var version: Int
    public var expires: String
    public var snapshot: FileMeta

    public init(version: Int, expires: String, snapshot: FileMeta) {
        self.version = version
        self.expires = expires
        self.snapshot = snapshot
    }
}

/// snapshot.json: pins the version, hash and size of catalog.json and every index file, so
/// a client never combines files from different moments (mix-and-match).
public struct SnapshotMetadata: Codable, Sendable, Equatable {
    public var type = "snapshot"
    public var version: Int
    public var expires: String
    /// Keyed by path in the tree: `catalog.json`, `index/<id>.json`.
    public var meta: [String: FileMeta]

    public init(version: Int, expires: String, meta: [String: FileMeta]) {
        self.version = version
        self.expires = expires
        self.meta = meta
    }
}

/// catalog.json: one line per plugin for search, signed by the snapshot role.
public struct CatalogMetadata: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var summary: String
        /// The highest version that is not yanked.
        public var latest: String
        public var kinds: [String]

        public init(id: String, name: String, summary: String, latest: String, kinds: [String]) {
            self.id = id
            self.name = name
            self.summary = summary
            self.latest = latest
            self.kinds = kinds
        }
    }

    public var type = "catalog"
    public var version: Int
    public var plugins: [Entry]

    public init(version: Int, plugins: [Entry]) {
        self.version = version
        self.plugins = plugins
    }
}
