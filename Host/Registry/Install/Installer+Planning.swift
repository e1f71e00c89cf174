import Foundation
import MarketCore

extension Installer {
    /// Index files read for one resolution at most; a registry whose dependency graph is
    /// larger is refused rather than walked.
    static let maximumIndexes = 256

    /// Plans installing `requests` from the registry `client` reads: updates the trusted
    /// metadata, reads the indexes of the requested plugins and of everything they may need,
    /// and resolves versions with the other installed plugins kept as they are. With
    /// `requesting`, the requested plugins are marked as asked for in the lock (an install);
    /// without, each keeps its mark (an update).
    public func plan(_ requests: [(id: String, range: VersionRange?)], from client: RegistryClient, source: String,
                     requesting: Bool = true, verified: RegistryClient.Verified? = nil) async throws -> InstallPlan {
        for request in requests { try RegistryLayout.checkPluginID(request.id) }
        let verified = if let verified { verified } else { try await client.update() }
        let lock = try LockFile.read(in: folder)
        let asked = Set(requests.map(\.id))
        var indexes: [String: IndexMetadata] = [:]
        var queue = requests.map(\.id)
        while let id = queue.popLast() {
            guard indexes[id] == nil, asked.contains(id) || lock.plugins[id] == nil else { continue }
            let path = try RegistryLayout.index(id)
            guard asked.contains(id) || verified.snapshot.meta[path] != nil else { continue }
            guard indexes.count < Self.maximumIndexes else {
                throw MarketError(.dependencyConflict, "the plugins' dependencies reach more than \(Self.maximumIndexes) plugins",
                                  fix: "the registry's dependency graph is too large to resolve; tell its operator")
            }
            let index = try await client.index(id, verified)
            indexes[id] = index
            queue += index.versions.flatMap { $0.needs.keys }.sorted()
        }
        let fixed = lock.plugins.filter { !asked.contains($0.key) }.mapValues { Resolver.Fixed(version: $0.version, dependencies: $0.dependencies) }
        let resolver = Resolver(indexes: indexes, fixed: fixed, locked: lock.plugins.mapValues(\.version), upgrading: asked)
        let choices = try resolver.resolve(requests)

        var steps: [InstallPlan.Step] = []
        var unchanged: [(id: String, version: String)] = []
        let requestedRanges = Dictionary(requests.map { ($0.id, $0.range) }, uniquingKeysWith: { first, _ in first })
        for (id, choice) in choices.sorted(by: { $0.key < $1.key }) {
            let locked = lock.plugins[id]
            let version = choice.version.version
            // An installed copy that no longer matches the lock is replaced, so installing the
            // same version again repairs what `verify` reports.
            if let locked, locked.version == version, check(id, version: version, checksums: locked.checksums) == nil {
                if asked.contains(id) { unchanged.append((id, version)) }
                continue
            }
            guard let index = indexes[id], let key = try index.publisherKeys()[choice.version.publisher] else {
                throw MarketError(.keyUntrusted, "the index names publisher \(choice.version.publisher) for \(id) \(version) but does not pin its key",
                                  fix: "the registry is misconfigured; tell its operator")
            }
            let range: String? = if asked.contains(id) {
                requestedRanges[id].flatMap { $0 }?.description ?? "^\(version)"
            } else {
                locked?.range ?? "^\(version)"
            }
            steps.append(InstallPlan.Step(id: id, version: version, origin: .registry(client, choice.artifact, choice.version),
                                          publishers: [key.id: key], source: source, range: range,
                                          requested: (requesting && asked.contains(id)) || locked?.requested ?? asked.contains(id), replacing: locked))
        }
        return InstallPlan(steps: steps, unchanged: unchanged)
    }

    /// Plans installing the package file at `url`, signed by one of `publishers` (the keys
    /// `market trust` holds). Its dependencies must already be installed, and the plugins that
    /// need it must accept its version.
    public func plan(file url: URL, publishers: [String: PublicKey]) throws -> (plan: InstallPlan, manifest: PluginManifest) {
        let manifest = try peekManifest(url, publishers: publishers)
        let lock = try LockFile.read(in: folder)
        var reasons: [String] = []
        for (dependency, text) in manifest.dependencies.sorted(by: { $0.key < $1.key }) {
            let range = try VersionRange(text)
            guard let installed = lock.plugins[dependency] else {
                reasons.append("\(manifest.id) \(manifest.version) needs \(dependency) \(text), which is not installed")
                continue
            }
            if let version = SemanticVersion(installed.version), !range.contains(version) {
                reasons.append("\(manifest.id) \(manifest.version) needs \(dependency) \(text), but \(dependency) \(installed.version) is installed")
            }
        }
        if let version = SemanticVersion(manifest.version) {
            for dependent in lock.dependents(of: manifest.id) {
                guard let entry = lock.plugins[dependent], let text = entry.dependencies[manifest.id], let range = try? VersionRange(text) else { continue }
                if !range.contains(version) { reasons.append("the installed \(dependent) \(entry.version) needs \(manifest.id) \(text)") }
            }
        }
        guard reasons.isEmpty else {
            throw MarketError(.dependencyConflict, "cannot install \(url.lastPathComponent): " + reasons.map { "because \($0)" }.joined(separator: "; and "),
                              fix: "install the dependencies first (market install NAME), or pick a package whose version fits")
        }
        let locked = lock.plugins[manifest.id]
        let step = InstallPlan.Step(id: manifest.id, version: manifest.version, origin: .file(url), publishers: publishers,
                                    source: url.standardizedFileURL.absoluteString, range: nil, requested: true, replacing: locked)
        return (InstallPlan(steps: [step], unchanged: []), manifest)
    }
}
