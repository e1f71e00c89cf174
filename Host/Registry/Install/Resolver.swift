import MarketCore

/// Chooses a version of every plugin a request needs: the requested plugins, their
/// dependencies, and theirs, so that every range holds at once, every chosen version accepts
/// the host's ABI and has a build for the host, and no yanked version is chosen unless the lock
/// already holds it.
///
/// A depth-first search with chronological backtracking: requirements are taken in order, each
/// plugin's candidates are tried newest first (a plugin the lock holds tries its locked version
/// first, so installing one plugin does not move others), and a dead end undoes the latest
/// choice. Installed plugins that are not being changed are fixed at their locked version. The
/// search gives up after `maximumSteps` choices rather than run for ever on a pathological
/// registry. When no solution exists, the error explains in sentences why each way failed.
public struct Resolver: Sendable {
    /// An installed plugin the resolution keeps as it is.
    public struct Fixed: Sendable {
        public var version: String
        public var dependencies: [String: String]

        public init(version: String, dependencies: [String: String]) {
            self.version = version
            self.dependencies = dependencies
        }
    }

    /// One chosen version and the artifact for this host.
    public struct Choice: Sendable, Equatable {
        public var id: String
        public var version: IndexMetadata.Version
        public var artifact: IndexMetadata.Artifact
    }

    /// A need for plugin `id` in `range`, and who has it.
    struct Requirement: Sendable {
        var id: String
        var range: VersionRange?
        /// "you asked for it", "demo 2.0.0", "installed notes 1.0.0"
        var by: String
        var direct: Bool

        func admits(_ version: SemanticVersion) -> Bool {
            range?.contains(version) ?? version.prerelease.isEmpty
        }

        var wanted: String { "\(id) \(range?.description ?? "(any release)")" }
    }

    /// What the search has chosen so far, by id.
    struct Chosen: Sendable {
        var version: SemanticVersion
        var entry: IndexMetadata.Version?
        var artifact: IndexMetadata.Artifact?
        var fixed: Bool
    }

    /// Candidate choices one resolution may try before it gives up.
    public static let maximumSteps = 10_000

    /// The index of every plugin the resolution may choose, by id.
    public var indexes: [String: IndexMetadata]
    /// Installed plugins that keep their version, by id.
    public var fixed: [String: Fixed]
    /// The locked version of each installed plugin: tried first, and allowed even if yanked.
    public var locked: [String: String]
    /// Plugins whose newest version is tried first even when one is locked (those requested).
    public var upgrading: Set<String>
    public var host: Platform
    public var hostABI: SemanticVersion

    /// A resolver over `indexes` for a host of `host` speaking `hostABI`.
    public init(indexes: [String: IndexMetadata], fixed: [String: Fixed] = [:], locked: [String: String] = [:], upgrading: Set<String> = [],
                host: Platform = .current, hostABI: SemanticVersion = VersionChoice.hostABI) {
        self.indexes = indexes
        self.fixed = fixed
        self.locked = locked
        self.upgrading = upgrading
        self.host = host
        self.hostABI = hostABI
    }

    /// Resolves `requests` (id and range). Returns the choice for every plugin that is not
    /// fixed, requested ones and dependencies alike. Throws `DEPENDENCY_CONFLICT` with the
    /// reasons, or for a lone request without dependencies the error of `VersionChoice`
    /// (`NOT_FOUND`, `ABI_INCOMPATIBLE`, `NO_PLATFORM`).
    public func resolve(_ requests: [(id: String, range: VersionRange?)]) throws -> [String: Choice] {
        var chosen: [String: Chosen] = [:]
        var pending: [Requirement] = []
        for (id, plugin) in fixed.sorted(by: { $0.key < $1.key }) {
            guard let version = SemanticVersion(plugin.version) else { continue }
            chosen[id] = Chosen(version: version, entry: nil, artifact: nil, fixed: true)
            pending += try requirements(of: plugin.dependencies, by: "the installed \(id) \(plugin.version)")
        }
        pending = requests.map { Requirement(id: $0.id, range: $0.range, by: "you asked for it", direct: true) } + pending
        var search = Search(resolver: self)
        guard let solution = try search.run(pending[...], chosen: chosen, constraints: [:]) else {
            if requests.count == 1, let only = requests.first, search.failures.count == 1, let index = indexes[only.id],
               search.onlyDirectFailures {
                _ = try VersionChoice.choose(from: index, range: only.range, host: host, hostABI: hostABI)
            }
            throw Self.conflict(requests, failures: search.failures)
        }
        var result: [String: Choice] = [:]
        for (id, choice) in solution where !choice.fixed {
            if let entry = choice.entry, let artifact = choice.artifact { result[id] = Choice(id: id, version: entry, artifact: artifact) }
        }
        return result
    }

    func requirements(of dependencies: [String: String], by: String) throws -> [Requirement] {
        try dependencies.sorted { $0.key < $1.key }.map { id, range in
            Requirement(id: id, range: try VersionRange(range), by: by, direct: false)
        }
    }

    /// The versions of `id` every requirement admits, newest first (the locked one first),
    /// with the reasons the others were ruled out.
    func candidates(_ id: String, _ requirements: [Requirement]) -> (candidates: [Chosen], ruledOut: String?) {
        guard let index = indexes[id] else {
            return ([], "the registry has no plugin \(id)")
        }
        let published = index.versions.compactMap { entry in SemanticVersion(entry.version).map { (semantic: $0, entry: entry) } }
            .sorted { $0.semantic > $1.semantic }
        let inRange = published.filter { version in requirements.allSatisfy { $0.admits(version.semantic) } }
        let wanted = requirements.count == 1 ? "\(requirements[0].wanted)" : "\(id) that satisfies all of them"
        guard !inRange.isEmpty else {
            return ([], "no published version of \(wanted) exists (published: \(published.map(\.entry.version).reversed().joined(separator: ", ")))")
        }
        let lockedVersion = locked[id].flatMap(SemanticVersion.init)
        let available = inRange.filter { !$0.entry.yanked || $0.semantic == lockedVersion }
        guard !available.isEmpty else {
            return ([], "every version of \(wanted) is yanked (\(inRange.map(\.entry.version).joined(separator: ", ")))")
        }
        let compatible = available.filter { (try? VersionRange($0.entry.abi).contains(hostABI)) == true }
        guard !compatible.isEmpty else {
            return ([], "no version of \(wanted) accepts this host's ABI \(hostABI.major).\(hostABI.minor) (\(available.map { "\($0.entry.version) needs \($0.entry.abi)" }.joined(separator: ", ")))")
        }
        let built = compatible.compactMap { version in
            version.entry.artifact(for: host).map { Chosen(version: version.semantic, entry: version.entry, artifact: $0, fixed: false) }
        }
        guard !built.isEmpty else {
            return ([], "no version of \(wanted) is built for \(host) (\(compatible.map(\.entry.version).joined(separator: ", ")))")
        }
        guard !upgrading.contains(id) else { return (built, nil) }
        return (built.filter { $0.version == lockedVersion } + built.filter { $0.version != lockedVersion }, nil)
    }

    static func conflict(_ requests: [(id: String, range: VersionRange?)], failures: [String]) -> MarketError {
        let asked = requests.map { "\($0.id)\($0.range.map { "@\($0)" } ?? "")" }.joined(separator: ", ")
        var reasons: [String] = []
        for failure in failures where !reasons.contains(failure) { reasons.append(failure) }
        let shown = reasons.prefix(6).map { "because \($0)" }.joined(separator: "; and ")
        let more = reasons.count > 6 ? " (and \(reasons.count - 6) more reasons)" : ""
        return MarketError(.dependencyConflict, "cannot install \(asked): \(shown)\(more)",
                           fix: "pick other ranges, update or uninstall the installed plugins named, or ask the publisher for compatible versions")
    }
}

extension MarketError.Code {
    /// No set of versions satisfies every range, the host's ABI and platform at once.
    public static let dependencyConflict = Self(rawValue: "DEPENDENCY_CONFLICT")
    /// Removing or rolling back a plugin would break another installed plugin that needs it.
    public static let dependencyNeeded = Self(rawValue: "DEPENDENCY_NEEDED")
}
