import Foundation
import Logging
import MarketCore
import PluginRuntime

/// The plugins a server has loaded, by id: what `GET /v1/plugins` lists.
public struct PluginCatalog: Sendable {
    /// The entries, sorted by id.
    public let entries: [CatalogEntry]
    private let byID: [String: CatalogEntry]
    private let libraries: [String: PluginLibrary]

    /// A catalog of `libraries`, which have already passed the loader's checks.
    public init(libraries: [PluginLibrary]) {
        var byID: [String: CatalogEntry] = [:]
        for library in libraries { byID[library.id] = CatalogEntry(manifest: library.manifest) }
        self.byID = byID
        self.libraries = Dictionary(libraries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        entries = byID.values.sorted { $0.id < $1.id }
    }

    /// The entry of the plugin with `id`, if it is loaded.
    public func entry(id: String) -> CatalogEntry? { byID[id] }

    /// The loaded library of the plugin with `id`, for making its tenants' instances.
    public func library(id: String) -> PluginLibrary? { libraries[id] }

    /// Loads, with `runtime`, the installed plugins (`<installed>/<id>/current`) and the plugin
    /// folders in `development`, and catalogs those that load.
    ///
    /// A plugin that fails to load is logged with its error and left out; the others still
    /// load. A plugin in `development` replaces an installed one with the same id (only the
    /// former is loaded). Loading opens libraries, so it runs on a thread pool.
    public static func load(installed: URL?, development: URL?, runtime: PluginRuntime, logger: Logger) async throws -> PluginCatalog {
        try await BlockingWork.run {
            var bundles: [String: PluginBundle] = [:]
            var failures: [MarketError] = []
            for result in installed.map(installedBundles) ?? [] {
                switch result {
                case .success(let bundle): bundles[bundle.manifest.id] = bundle
                case .failure(let error): failures.append(error)
                }
            }
            for result in development.map(PluginBundle.discover) ?? [] {
                switch result {
                case .success(let bundle):
                    if bundles[bundle.manifest.id] != nil {
                        logger.notice("a development plugin replaces the installed one", metadata: ["plugin": .string(bundle.manifest.id)])
                    }
                    bundles[bundle.manifest.id] = bundle
                case .failure(let error):
                    failures.append(error)
                }
            }
            var libraries: [PluginLibrary] = []
            for bundle in bundles.values.sorted(by: { $0.manifest.id < $1.manifest.id }) {
                do {
                    libraries.append(try runtime.load(bundle))
                } catch {
                    failures.append(error as? MarketError ?? MarketError(.loadFailed, "\(bundle.manifest.id) could not be loaded", underlying: error))
                }
            }
            for failure in failures {
                logger.error("plugin left out of the catalog", metadata: [
                    "code": .string(failure.code.rawValue), "error": .string(failure.message), "fix": .string(failure.fix),
                ])
            }
            logger.info("plugins loaded", metadata: ["plugins": .array(libraries.map { .string("\($0.id)@\($0.manifest.version)") })])
            return PluginCatalog(libraries: libraries)
        }
    }

    /// `<root>/<id>/current` for each plugin folder in `root` (the installer's layout).
    private static func installedBundles(in root: URL) -> [Result<PluginBundle, MarketError>] {
        let folders = (try? FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
        return folders
            .map { $0.appendingPathComponent("current") }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent(PluginManifest.fileName).path) }
            .sorted { $0.path < $1.path }
            .map { current in
                MarketError.catching(.manifestInvalid, "cannot read \(current.path)") { try PluginBundle(at: current.resolvingSymlinksInPath()) }
            }
    }
}
