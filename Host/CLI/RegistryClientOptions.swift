import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry
import PluginHosting

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

    /// These options' registries: `--registry` or the configured ones, `--root`, `--offline`.
    var access: RegistryAccess {
        RegistryAccess(stateDirectory: stateDirectory, registry: registry, root: root.map { URL(fileURLWithPath: $0) }, offline: offline)
    }

    /// A registry to read: its name (when configured), location and mirrors.
    typealias Target = RegistryAccess.Target

    /// The registries to consult, in priority order.
    func targets() throws -> [Target] {
        try access.targets()
    }

    /// A client of `target`, with its trusted root.
    func client(_ target: Target) throws -> RegistryClient {
        try access.client(target)
    }

    /// The first registry (in priority order) whose snapshot lists plugin `id`, with its
    /// client and verified metadata (`RegistryAccess.registry(having:)`).
    func registry(having id: String) async throws -> (Target, RegistryClient, RegistryClient.Verified) {
        try await access.registry(having: id)
    }

    /// Opens clients for the registry locations market.lock records.
    var clients: Installer.ClientForRegistry {
        access.clients
    }
}
