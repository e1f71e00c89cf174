import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime
import Synchronization

/// The one owner of plugin identity: it alone knows which plugins exist (`PluginFolders`, one
/// precedence rule), which library is loaded for each (`library(id:)`, keyed by the folder's
/// current contents and named by `LibraryIdentity`), and which instance serves a (tenant,
/// plugin) (`instance(for:)`, keyed by tenant, plugin, library identity and settings version).
///
/// The conversation engine, the delivery workers (it is their `DeliveryTargets`), the server's
/// catalogue and the CLI all ask it, so no two parts of one process can run different builds of
/// a plugin for one tenant. Folders are resolved on every call: after an install or update the
/// next call loads the new library and gets a new instance; the old one is closed. Libraries
/// are never unloaded (docs/DESIGN: unloading a Swift library crashes the host).
public final class PluginHost: DeliveryTargets {
    public let runtime: PluginRuntime
    public let folders: PluginFolders
    let tenants: TenantStore?
    let deliveryTimeout: Duration?
    let logger: Logger
    let cache = InstanceCache()
    let openedSecrets = OpenedSecrets()
    /// Watches the versions the reconciler switches to, from every call's outcome.
    public let health: PluginHealth

    /// What was loaded from a folder, and the stamps of the files it was loaded from.
    private struct Loaded {
        let manifestStamp: FileStamp
        let libraryPath: String
        let libraryStamp: FileStamp
        let hosted: HostedLibrary
    }

    /// By resolved folder path.
    private let loaded = Mutex<[String: Loaded]>([:])
    /// Each plugin id's last resolution: what a `ServingInstance` checks before each call, for
    /// the price of an atomic load rather than of the `stat`s a resolution costs.
    private let resolutions = Mutex<[String: Resolution]>([:])
    /// The identity of each library image in the process, by its real path, fixed at its first
    /// load: `dlopen` of a path already loaded returns the image already mapped, so a file
    /// rewritten in place (rather than installed into a new version folder) is still the old code.
    private let images = Mutex<[String: LibraryIdentity]>([:])

    /// - Parameters:
    ///   - tenants: the store tenants' installations and settings come from; nil for a host that
    ///     only loads libraries (the CLI's `plugin` commands, the catalogue alone).
    ///   - deliveryTimeout: a plugin's time to handle one event; nil for the instance's default.
    ///   - health: the rule new versions are watched by.
    public init(runtime: PluginRuntime, folders: PluginFolders, tenants: TenantStore? = nil,
                deliveryTimeout: Duration? = nil, health: PluginHealth.Rule = PluginHealth.Rule(), logger: Logger) {
        self.runtime = runtime
        self.health = PluginHealth(rule: health)
        self.folders = folders
        self.tenants = tenants
        self.deliveryTimeout = deliveryTimeout
        self.logger = logger
    }

    /// The library serving `id` now: the folder `folders` resolves, loaded on first use and
    /// again when its plugin.json or library file changed; nil when the plugin has no folder.
    /// The first load of a library opens it (blocking); later calls cost a few `stat`s.
    /// - Throws: `MANIFEST_INVALID`, `LOAD_FAILED`, `ABI_INCOMPATIBLE`, … from the loader.
    public func library(id: String) throws -> HostedLibrary? {
        try library(id: id, resolvedTo: folders.folder(of: id))
    }

    /// The library in `folder`, which the one rule resolved `id` to (nil: none); noted as `id`'s
    /// last resolution.
    private func library(id: String, resolvedTo folder: URL?) throws -> HostedLibrary? {
        let hosted = try folder.flatMap { try load($0, id: id) }
        resolution(of: id).note(hosted?.identity)
        return hosted
    }

    /// The record of `id`'s resolutions, made on first use and kept for the process's life.
    func resolution(of id: String) -> Resolution {
        resolutions.withLock { resolutions in
            if let known = resolutions[id] { return known }
            let made = Resolution()
            resolutions[id] = made
            return made
        }
    }

    /// The library in the plugin folder `folder` (holding plugin.json), named explicitly rather
    /// than by id: for the CLI's `market plugin` commands given a path. Cached like `library(id:)`.
    /// - Throws: `MANIFEST_INVALID` when there is no readable plugin.json; the loader's errors.
    public func library(in folder: URL) throws -> HostedLibrary {
        let folder = folder.resolvingSymlinksInPath()
        let manifest = try PluginManifest.load(from: folder.appendingPathComponent(PluginManifest.fileName))
        guard let hosted = try load(folder, id: manifest.id) else {
            throw MarketError(.manifestInvalid, "\(folder.path) holds no \(PluginManifest.fileName)", fix: "pass a plugin folder")
        }
        return hosted
    }

    /// The library of `id` if it is loaded already and unchanged on disk; nil when there is
    /// none, or when serving it would mean loading (a plugin new or changed since). Never
    /// loads: a few system calls (the folder rule's and two `stat`s), cheap enough for a
    /// request's own thread, where `library(id:)` belongs on a blocking pool.
    public func loadedLibrary(id: String) -> HostedLibrary? {
        guard let folder = folders.folder(of: id), let hosted = unchanged(folder) else { return nil }
        resolution(of: id).note(hosted.identity)
        return hosted
    }

    /// The library loaded from `folder`, if neither its manifest nor its library changed since.
    private func unchanged(_ folder: URL) -> HostedLibrary? {
        guard let manifestStamp = FileStamp(path: folder.appendingPathComponent(PluginManifest.fileName).path),
              let known = loaded.withLock({ $0[folder.path] }), known.manifestStamp == manifestStamp,
              FileStamp(path: known.libraryPath) == known.libraryStamp else { return nil }
        return known.hosted
    }

    private func load(_ folder: URL, id: String) throws -> HostedLibrary? {
        let manifestPath = folder.appendingPathComponent(PluginManifest.fileName).path
        guard let manifestStamp = FileStamp(path: manifestPath) else { return nil }
        if let known = unchanged(folder) { return known }
        let bundle = try PluginBundle(at: folder)
        try PluginFolders.requireID(id, declaredBy: bundle.manifest, at: manifestPath)
        let libraryURL = bundle.libraryURL.resolvingSymlinksInPath()
        guard let libraryStamp = FileStamp(path: libraryURL.path) else {
            throw MarketError(.loadFailed, "\(id)'s library \(libraryURL.path) is missing", fix: "reinstall the plugin, or build it into its folder")
        }
        let library = try runtime.load(bundle)
        let identity = try images.withLock { images in
            if let known = images[libraryURL.path] { return known }
            let identity = try LibraryIdentity.of(library: libraryURL, version: bundle.manifest.version)
            images[libraryURL.path] = identity
            return identity
        }
        if folders.shadowsInstalled(id) {
            logger.notice("a development plugin folder serves instead of the installed plugin", metadata: ["plugin": .string(id), "folder": .string(folder.path)])
        }
        let hosted = HostedLibrary(library: library, identity: identity, folder: folder)
        loaded.withLock { $0[folder.path] = Loaded(manifestStamp: manifestStamp, libraryPath: libraryURL.path, libraryStamp: libraryStamp, hosted: hosted) }
        logger.debug("plugin library serving", metadata: ["plugin": .string(id), "identity": .string("\(identity)")])
        return hosted
    }

    /// Every plugin with a folder here, loaded, and those that do not load with why; sorted by id.
    public func plugins() -> (libraries: [HostedLibrary], failures: [MarketError]) {
        var libraries: [HostedLibrary] = []
        var failures: [MarketError] = []
        for (id, folder) in folders.plugins() {
            do {
                if let hosted = try library(id: id, resolvedTo: folder) { libraries.append(hosted) }
            } catch {
                failures.append(error as? MarketError ?? MarketError(.loadFailed, "\(id) could not be loaded", underlying: error))
            }
        }
        return (libraries, failures)
    }
}
