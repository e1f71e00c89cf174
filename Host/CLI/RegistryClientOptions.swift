import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// Options of the commands that read a registry as a client (`search`, `info`, `install`,
/// `update`, `outdated`).
struct RegistryClientOptions: ParsableArguments {
    @Option(help: "The registry: a name from `market registry list`, an http(s):// URL, a file:// URL or a folder (default: the registries added, in order, else $MARKET_REGISTRY).")
    var registry: String?

    @Option(help: "The registry's root.json, trusted on first use of this registry; obtain it from the operator.")
    var root: String?

    @Flag(help: "Use no network: read folder mirrors and the metadata and packages kept from earlier use.")
    var offline = false

    @OptionGroup var state: StateOptions

    var stateDirectory: URL { state.stateDirectory }

    /// A registry to read: its name (when configured), location and mirrors.
    struct Target {
        var name: String?
        var source: RegistrySource
        var mirrors: [RegistrySource]
    }

    /// The registries to consult, in priority order.
    func targets() throws -> [Target] {
        let config = try ClientConfig.read(in: stateDirectory)
        if let registry {
            if let configured = config.registry(named: registry) { return [try target(configured)] }
            return [Target(name: nil, source: try RegistrySource(registry), mirrors: [])]
        }
        if !config.registries.isEmpty { return try config.registries.map(target) }
        if let location = ProcessInfo.processInfo.environment["MARKET_REGISTRY"], !location.isEmpty {
            return [Target(name: nil, source: try RegistrySource(location), mirrors: [])]
        }
        throw MarketError(.notFound, "no registry is configured",
                          fix: "add one with `market registry add NAME URL --root root.json`, or pass --registry")
    }

    /// The registry recorded for an installed plugin, with the mirrors the config lists for it.
    func target(location: String) throws -> Target {
        try Self.target(location: location, stateDirectory: stateDirectory)
    }

    /// The registry a name or location names in `stateDirectory`'s config, with its mirrors;
    /// also what `market serve` fetches a desired plugin from.
    static func target(location: String, stateDirectory: URL) throws -> Target {
        let config = try ClientConfig.read(in: stateDirectory)
        if let configured = config.registry(named: location) { return try target(configured) }
        return Target(name: nil, source: try RegistrySource(location), mirrors: [])
    }

    private static func target(_ configured: ClientConfig.Registry) throws -> Target {
        Target(name: configured.name, source: try RegistrySource(configured.url), mirrors: try configured.mirrors.map(RegistrySource.init))
    }

    private func target(_ configured: ClientConfig.Registry) throws -> Target {
        try Self.target(configured)
    }

    /// A client of `target`, with its trusted root.
    func client(_ target: Target) throws -> RegistryClient {
        try RegistryClient.open(target.source, mirrors: target.mirrors, stateDirectory: stateDirectory, root: root.map { URL(fileURLWithPath: $0) }, offline: offline)
    }

    /// Opens clients of registries by name or location as `stateDirectory` knows them, trusting
    /// only roots trusted there already: for `market serve`'s reconciler, which asks no one.
    static func clients(stateDirectory: URL) -> Installer.ClientForRegistry {
        { location in
            let found = try target(location: location, stateDirectory: stateDirectory)
            return try RegistryClient.open(found.source, mirrors: found.mirrors, stateDirectory: stateDirectory, root: nil)
        }
    }

    /// The first registry (in priority order) whose snapshot lists plugin `id`, with its
    /// client and verified metadata. A registry that cannot be read is skipped when another
    /// has the plugin; otherwise its error is the answer.
    func registry(having id: String) async throws -> (Target, RegistryClient, RegistryClient.Verified) {
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

    /// Opens clients for the registry locations market.lock records.
    var clients: Installer.ClientForRegistry {
        let options = self
        return { location in try options.client(options.target(location: location)) }
    }
}
