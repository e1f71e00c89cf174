import Foundation
import MarketCore

/// Where a registry is: an `http(s)://` URL, a `file://` URL or a local path.
public struct RegistrySource: Sendable, CustomStringConvertible {
    /// The location as normalised: a URL for HTTP, an absolute path for folders.
    public let location: String
    public let transport: any RegistryTransport

    /// Parses `text`; throws `REGISTRY_INVALID` for other URL schemes.
    public init(_ text: String) throws {
        let lowered = text.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            location = text.hasSuffix("/") ? String(text.dropLast()) : text
            transport = HTTPTransport(base: location)
        } else if lowered.contains("://"), !lowered.hasPrefix("file://") {
            throw MarketError(.registryInvalid, "'\(text)' is not a registry location", fix: "use an http(s):// URL, a file:// URL or a folder")
        } else {
            let path = lowered.hasPrefix("file://") ? URL(string: text)?.path ?? "" : text
            let url = URL(fileURLWithPath: path).standardizedFileURL
            location = url.path
            transport = FileTransport(root: url)
        }
    }

    /// The folder under `stateDirectory` that holds this registry's trusted metadata:
    /// `registries/<first 16 hex digits of the SHA-256 of the location>`.
    public func stateFolder(in stateDirectory: URL) -> URL {
        stateDirectory.appendingPathComponent("registries").appendingPathComponent(String(sha256Hex(Data(location.utf8)).prefix(16)))
    }

    public var description: String { location }

    /// Whether the registry is a folder on this machine (a mirror that needs no network).
    public var isFolder: Bool { transport is FileTransport }
}

extension RegistryClient {
    /// A client for `source` whose trusted state lives under `stateDirectory`. The first time,
    /// `root` (a root.json obtained out of band) becomes the trusted root; afterwards the
    /// client follows the registry's own rotations and `root` is not needed.
    ///
    /// The trusted state is keyed by `source`; `mirrors` serve the same tree and are tried in
    /// order when `source` cannot be reached. Online, index files, the catalog and artifacts are
    /// kept in the state folder's `cache/`; `offline`, only folder mirrors and that cache are
    /// read, and expired timestamps are accepted (see `RegistryClient.offline`).
    public static func open(_ source: RegistrySource, mirrors: [RegistrySource] = [], stateDirectory: URL, root: URL?,
                            offline: Bool = false, now: Date = Date()) throws -> RegistryClient {
        let state = TrustedState(folder: source.stateFolder(in: stateDirectory))
        let trusted = FileManager.default.fileExists(atPath: state.folder.appendingPathComponent(RegistryLayout.root).path)
        if !trusted {
            guard let root else {
                throw MarketError(.keyUntrusted, "no root of \(source) is trusted yet",
                                  fix: "pass --root with the registry's root.json, obtained from its operator (not from the registry itself)")
            }
            try state.trust(root: readFile(root))
        }
        let places = [source] + mirrors
        let transport: any RegistryTransport = if offline {
            MirroredTransport(places.filter(\.isFolder).map(\.transport) + [OfflineTransport(state: state.folder)], skipping: [.fetchFailed, .notFound])
        } else {
            places.count == 1 ? source.transport : MirroredTransport(places.map(\.transport))
        }
        return RegistryClient(transport: transport, state: state, now: now, offline: offline,
                              cache: offline ? nil : RegistryCache(stateFolder: state.folder))
    }
}

extension CatalogMetadata {
    /// The plugins whose id, name or summary contains `text`, ignoring case; all for "".
    public func search(_ text: String) -> [Entry] {
        let wanted = text.trimmingCharacters(in: .whitespaces)
        guard !wanted.isEmpty else { return plugins }
        return plugins.filter { entry in
            [entry.id, entry.name, entry.summary].contains { $0.localizedCaseInsensitiveContains(wanted) }
        }
    }
}
