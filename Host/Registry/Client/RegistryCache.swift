import Foundation
import MarketCore

/// The client's copy of the index files, catalog and artifacts it verified, kept in a tree of
/// the registry's layout under its state folder (`cache/`), so `--offline` can install from it
/// later. What is cached is verified again when read back, like any mirror.
///
/// Only what verified is stored, and only at paths a registry tree holds
/// (`RegistryLayout.isCacheable`), written below the cache folder without following a link on
/// the way: nothing a registry serves can reach another registry's trust or the client's config.
public struct RegistryCache: Sendable {
    static let folderName = "cache"

    public let folder: URL

    public init(folder: URL) {
        self.folder = folder
    }

    /// The cache of the registry whose trusted state is in `stateFolder`.
    public init(stateFolder: URL) {
        folder = stateFolder.appendingPathComponent(Self.folderName)
    }

    /// Keeps `data`, which verified, as `path`. A cache that cannot be written costs only the
    /// offline copy, so failures are not errors; a path outside the layout is never written.
    func store(_ data: Data, at path: String) async {
        guard RegistryLayout.isCacheable(path) else { return }
        try? await BlockingWork.run { [folder] in
            var directory = folder
            try Self.makeRealFolder(directory)
            for part in path.split(separator: "/").dropLast() {
                directory.appendPathComponent(String(part))
                try Self.makeRealFolder(directory)
            }
            try AtomicFile.write(data, to: folder.appendingPathComponent(path))
        }
    }

    /// Creates `url` as a folder, or checks that it is one and not a link to elsewhere.
    private static func makeRealFolder(_ url: URL) throws {
        var status = stat()
        if lstat(url.path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw MarketError(.ioFailed, "\(url.path) is not a folder (a link or a file)", fix: "remove it; the cache is rebuilt on the next online use")
            }
            return
        }
        guard mkdir(url.path, 0o755) == 0 || errno == EEXIST else {
            throw MarketError(.ioFailed, "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
    }
}
