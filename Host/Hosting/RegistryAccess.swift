import Foundation
import MarketCore
import MarketRegistry

/// The registries one machine reads as a client: the ones its state folder configures (`market
/// registry add`), in priority order, else `$MARKET_REGISTRY`, or one named explicitly. The
/// CLI's registry commands, `market serve`'s reconciler and the admin API all open registries
/// through it, so a plugin resolves the same way from each.
public struct RegistryAccess: Sendable {
    /// A registry to read: its name (when configured), location and mirrors.
    public struct Target: Sendable {
        public var name: String?
        public var source: RegistrySource
        public var mirrors: [RegistrySource]

        /// What a desired state records for it: the name the nodes know it by, else its location.
        public var recorded: String { name ?? source.location }
    }

    public let stateDirectory: URL
    /// A registry named or located explicitly (`--registry`), instead of the configured ones.
    public var registry: String?
    /// A root.json trusted on first use of a registry (`--root`); nil trusts only roots trusted already.
    public var root: URL?
    /// Read only folder mirrors and what earlier use kept (`--offline`).
    public var offline: Bool

    public init(stateDirectory: URL, registry: String? = nil, root: URL? = nil, offline: Bool = false) {
        self.stateDirectory = stateDirectory
        self.registry = registry
        self.root = root
        self.offline = offline
    }

    /// The registries to consult, in priority order.
    /// - Throws: `NOT_FOUND` when none is configured.
    public func targets() throws -> [Target] {
        let config = try ClientConfig.read(in: stateDirectory)
        if let registry {
            if let configured = config.registry(named: registry) { return [try Self.target(configured)] }
            return [Target(name: nil, source: try RegistrySource(registry), mirrors: [])]
        }
        if !config.registries.isEmpty { return try config.registries.map(Self.target) }
        if let location = ProcessInfo.processInfo.environment["MARKET_REGISTRY"], !location.isEmpty {
            return [Target(name: nil, source: try RegistrySource(location), mirrors: [])]
        }
        throw MarketError(.notFound, "no registry is configured",
                          fix: "add one with `market registry add NAME URL --root root.json`, or pass --registry")
    }

    /// The registry a name or location names in the state folder's config, with its mirrors.
    public func target(location: String) throws -> Target {
        let config = try ClientConfig.read(in: stateDirectory)
        if let configured = config.registry(named: location) { return try Self.target(configured) }
        return Target(name: nil, source: try RegistrySource(location), mirrors: [])
    }

    private static func target(_ configured: ClientConfig.Registry) throws -> Target {
        Target(name: configured.name, source: try RegistrySource(configured.url), mirrors: try configured.mirrors.map(RegistrySource.init))
    }

    /// A client of `target`, with its trusted root.
    public func client(_ target: Target) throws -> RegistryClient {
        try RegistryClient.open(target.source, mirrors: target.mirrors, stateDirectory: stateDirectory, root: root, offline: offline)
    }

    /// Opens clients of registries by the name or location market.lock or a desired state records.
    public var clients: Installer.ClientForRegistry {
        let access = self
        return { location in try access.client(access.target(location: location)) }
    }

    /// The first registry (in priority order) whose snapshot lists plugin `id`, with its
    /// client and verified metadata. A registry that cannot be read is skipped when another
    /// has the plugin; otherwise its error is the answer.
    /// - Throws: `PLUGIN_ID_INVALID`; `NOT_FOUND` when no registry is configured or none lists
    ///   the plugin; the registry's error (`FETCH_FAILED`, …) when it could not be read.
    public func registry(having id: String) async throws -> (Target, RegistryClient, RegistryClient.Verified) {
        try RegistryLayout.checkPluginID(id)
        var firstError: (any Error)?
        for target in try targets() {
            do {
                let client = try client(target)
                let verified = try await client.update()
                if verified.snapshot.meta[try RegistryLayout.index(id)] != nil { return (target, client, verified) }
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        throw MarketError(.notFound, "no registry has a plugin '\(id)'", fix: "search for it with `market search`")
    }
}
