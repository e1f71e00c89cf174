import Foundation
import MarketCore

extension Installer {
    /// Opens a client for a registry location recorded in the lock.
    public typealias ClientForRegistry = @Sendable (String) throws -> RegistryClient

    /// One installed plugin and what its registry offers.
    public struct Outdated: Sendable, Equatable {
        public var id: String
        public var installed: String
        /// The highest installable version in the locked range; nil when none.
        public var wanted: String?
        /// The highest installable release.
        public var latest: String?
        public var registry: String
        /// Why nothing could be looked up (a package file, an unreachable registry).
        public var note: String?

        /// Whether WANTED or LATEST is newer than what is installed.
        public var isOutdated: Bool {
            guard let installed = SemanticVersion(installed) else { return false }
            return [wanted, latest].contains { $0.flatMap(SemanticVersion.init).map { $0 > installed } ?? false }
        }
    }

    /// Compares every installed plugin with its registry.
    public func outdated(clients: ClientForRegistry) async throws -> [Outdated] {
        let lock = try LockFile.read(in: folder)
        var result: [Outdated] = []
        for (registry, entries) in Dictionary(grouping: lock.plugins, by: \.value.registry).sorted(by: { $0.key < $1.key }) {
            func unknown(_ note: String) -> [Outdated] {
                entries.map { Outdated(id: $0.key, installed: $0.value.version, wanted: nil, latest: nil, registry: registry, note: note) }
            }
            if entries.first?.value.isFromFile == true {
                result += unknown("installed from a package file")
                continue
            }
            let client: RegistryClient
            let verified: RegistryClient.Verified
            do {
                client = try clients(registry)
                verified = try await client.update()
            } catch let error as MarketError {
                result += unknown("\(error.code): \(error.message)")
                continue
            }
            for (id, entry) in entries {
                guard let index = try? await client.index(id, verified) else {
                    result.append(Outdated(id: id, installed: entry.version, wanted: nil, latest: nil, registry: registry, note: "the registry no longer lists it"))
                    continue
                }
                let range = try entry.range.map(VersionRange.init)
                let wanted = try? VersionChoice.choose(from: index, range: range, host: .current, hostABI: VersionChoice.hostABI).version.version
                let latest = try? VersionChoice.choose(from: index, range: nil, host: .current, hostABI: VersionChoice.hostABI).version.version
                result.append(Outdated(id: id, installed: entry.version, wanted: wanted, latest: latest, registry: registry, note: nil))
            }
        }
        return result.sorted { $0.id < $1.id }
    }

    /// Plans updating `id` (or every plugin from a registry) to the highest versions in the
    /// ranges the lock records, one plan per registry. Dependencies may move along.
    public func planUpdate(_ id: String?, clients: ClientForRegistry) async throws -> [InstallPlan] {
        let lock = try LockFile.read(in: folder)
        let targets: [String: LockFile.Entry]
        if let id {
            let entry = try Self.entry(id, in: lock)
            guard !entry.isFromFile else {
                throw MarketError(.notFound, "\(id) was installed from a package file, so no registry offers updates of it",
                                  fix: "install a newer package with `market install --from FILE.mkpkg`")
            }
            targets = [id: entry]
        } else {
            targets = lock.plugins.filter { !$0.value.isFromFile }
        }
        var plans: [InstallPlan] = []
        for (registry, entries) in Dictionary(grouping: targets, by: \.value.registry).sorted(by: { $0.key < $1.key }) {
            let requests = try entries.sorted { $0.key < $1.key }.map { (id: $0.key, range: try $0.value.range.map(VersionRange.init)) }
            plans.append(try await plan(requests, from: clients(registry), source: registry, requesting: false))
        }
        return plans
    }
}
