import ArgumentParser
import Foundation
import MarketRegistry

/// Options of the commands that read a registry as a client (`search`, `info`, `install`).
struct RegistryClientOptions: ParsableArguments {
    @Option(help: "The registry: an http(s):// URL, a file:// URL or a folder (default: $MARKET_REGISTRY).")
    var registry: String?

    @Option(help: "The registry's root.json, trusted on first use of this registry; obtain it from the operator.")
    var root: String?

    @Option(help: "Where trusted registry metadata is kept (default: $MARKET_HOME or ~/.market).")
    var stateDir: String?

    func validate() throws {
        guard registry ?? ProcessInfo.processInfo.environment["MARKET_REGISTRY"] != nil else {
            throw ValidationError("name the registry with --registry or $MARKET_REGISTRY")
        }
    }

    /// A client whose metadata is up to date and verified.
    func updatedClient() async throws -> (RegistryClient, RegistryClient.Verified) {
        let client = try self.client()
        return (client, try await client.update())
    }

    /// A client of the registry, with its trusted root.
    func client() throws -> RegistryClient {
        try RegistryClient.open(source(), stateDirectory: stateDirectory, root: root.map { URL(fileURLWithPath: $0) })
    }

    func source() throws -> RegistrySource {
        try RegistrySource(registry ?? ProcessInfo.processInfo.environment["MARKET_REGISTRY"] ?? "")
    }

    var stateDirectory: URL {
        if let stateDir { return URL(fileURLWithPath: stateDir) }
        if let home = ProcessInfo.processInfo.environment["MARKET_HOME"] { return URL(fileURLWithPath: home) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".market")
    }
}
