import Foundation
import Logging
import MarketCore
import PluginHosting
import PluginRuntime

/// What `GET /v1/plugins` lists: the plugins the server's `PluginHost` serves, read from it on
/// every request, so an install or update shows at once, without a restart.
public struct PluginCatalog: Sendable {
    private let host: PluginHost?

    /// The catalogue of what `host` serves; nil for a server without plugins.
    public init(host: PluginHost?) {
        self.host = host
    }

    /// The plugins that load, sorted by id. Loading a new library opens it, so this runs on a
    /// thread pool; a plugin that does not load is left out (and logged at debug level).
    public func entries(logger: Logger? = nil) async -> [CatalogEntry] {
        await libraries(failuresAt: .debug, logger: logger).map { CatalogEntry(manifest: $0.library.manifest) }
    }

    /// The entry of the plugin with `id`, if it loads: answered in place when its library is
    /// loaded and unchanged, and only otherwise (a new or changed plugin) loaded on the pool.
    public func entry(id: String) async -> CatalogEntry? {
        guard let host else { return nil }
        if let hosted = host.loadedLibrary(id: id) { return CatalogEntry(manifest: hosted.library.manifest) }
        guard let hosted = try? await BlockingWork.run({ try host.library(id: id) }) else { return nil }
        return CatalogEntry(manifest: hosted.library.manifest)
    }

    /// Loads every plugin now and logs what loaded and, at error level, what did not: what
    /// `market serve` reports at start.
    @discardableResult
    public func loadAll(logger: Logger) async -> [CatalogEntry] {
        let libraries = await libraries(failuresAt: .error, logger: logger)
        logger.info("plugins loaded", metadata: ["plugins": .array(libraries.map { .string("\($0.id)@\($0.identity.version)") })])
        return libraries.map { CatalogEntry(manifest: $0.library.manifest) }
    }

    /// The host's plugins that load, on the blocking pool (loading opens libraries); each that
    /// does not is logged at `level`.
    private func libraries(failuresAt level: Logger.Level, logger: Logger?) async -> [HostedLibrary] {
        guard let host else { return [] }
        let (libraries, failures) = (try? await BlockingWork.run { host.plugins() }) ?? ([], [])
        for failure in failures {
            logger?.log(level: level, "plugin left out of the catalog", metadata: [
                "code": .string(failure.code.rawValue), "error": .string(failure.message), "fix": .string(failure.fix),
            ])
        }
        return libraries
    }
}
