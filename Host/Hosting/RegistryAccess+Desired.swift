import Foundation
import MarketCore
import MarketRegistry
import MarketStore

extension RegistryAccess {
    /// The target that installing `id` in `range` records: the version this machine's resolver
    /// picks from the first registry that lists the plugin, with every platform's artifact hash.
    public func desiredTarget(_ id: String, range: VersionRange?) async throws -> DesiredPlugin.Target {
        let (registry, client, verified) = try await registry(having: id)
        return try await Self.desiredTarget(id, range: range, client: client, verified: verified, registry: registry.recorded)
    }

    /// The newest version of `current`'s plugin in its range, from the registry it records.
    public func desiredUpdate(_ id: String, of current: DesiredPlugin.Target) async throws -> DesiredPlugin.Target {
        let client = try client(target(location: current.registry))
        return try await Self.desiredTarget(id, range: try current.range.map(VersionRange.init), client: client, verified: try await client.update(),
                                            registry: current.registry)
    }

    /// The target of `id` in `range` as `client`'s registry resolves it.
    /// - Throws: `NOT_FOUND` (or `ABI_INCOMPATIBLE`, `NO_PLATFORM`, `DEPENDENCY_CONFLICT`) when no
    ///   version fits.
    public static func desiredTarget(_ id: String, range: VersionRange?, client: RegistryClient, verified: RegistryClient.Verified,
                                     registry: String) async throws -> DesiredPlugin.Target {
        // The installer's own resolver, on a folder that does not exist: an empty lock, so it
        // picks as a fresh install would (ABI, platform, yanked, dependencies resolvable).
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("market-resolve-\(UUID().uuidString)")
        let plan = try await Installer(folder: scratch, probe: { _ in }).plan([(id, range)], from: client, source: registry, verified: verified)
        guard let step = plan.steps.first(where: { $0.id == id }), case .registry(_, _, let version) = step.origin else {
            throw MarketError(.notFound, "no version of \(id) fits", fix: "see the versions with `market info \(id)`")
        }
        return DesiredPlugin.Target(version: step.version, range: step.range, registry: registry, artifacts: version.artifacts.mapValues(\.sha256),
                                    permissions: version.permissions)
    }

    /// How the permissions `new` declares differ from those of `current`, as the registries'
    /// indexes list them. A version whose index does not list its permissions (one published
    /// before they were listed) counts as declaring none, so every grant of the other shows.
    public func permissionChange(_ id: String, from current: DesiredPlugin.Target, to new: DesiredPlugin.Target) async throws -> PermissionChange {
        async let old = declaredPermissions(id, current)
        let declared = try await declaredPermissions(id, new)
        return PermissionChange(id: id, from: current.version, to: new.version, old: try await old, new: declared ?? PluginManifest.Permissions())
    }

    private func declaredPermissions(_ id: String, _ target: DesiredPlugin.Target) async throws -> PluginManifest.Permissions? {
        let client = try client(self.target(location: target.registry))
        let index = try await client.index(id, try await client.update())
        return index.entry(target.version)?.verifiedPermissions
    }
}
