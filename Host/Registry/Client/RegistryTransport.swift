import Foundation
import MarketCore

/// Fetches files of a registry tree by their path in the tree (`timestamp.json`,
/// `index/notes.json`).
public protocol RegistryTransport: Sendable {
    /// The file at `path`. Throws `NOT_FOUND` when the registry has no such file,
    /// `FETCH_FAILED` when it cannot be reached, and `HASH_MISMATCH` when the file is longer
    /// than `maximumBytes` (a registry never serves more than the metadata pins).
    func fetch(_ path: String, maximumBytes: Int64) async throws -> Data

    /// The same, telling `progress` how many bytes have arrived as they do.
    func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data
}

extension RegistryTransport {
    /// Transports that read a file at once report it whole.
    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        let data = try await fetch(path, maximumBytes: maximumBytes)
        progress?(Int64(data.count))
        return data
    }
}

/// A registry in a local folder or mounted mirror (`file://`).
public struct FileTransport: RegistryTransport {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        try RegistryTransportPath.check(path)
        let url = root.appendingPathComponent(path)
        return try await BlockingWork.run {
            // O_NONBLOCK: opening a fifo planted in a mirror must not hang; it is refused below.
            let descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else {
                if errno == ENOENT { throw MarketError(.notFound, "the registry has no \(path)", fix: "check the registry's location") }
                throw MarketError(.fetchFailed, "cannot read \(url.path): \(String(cString: strerror(errno)))", fix: "check the registry folder's permissions")
            }
            defer { close(descriptor) }
            return try Self.read(descriptor, path: path, maximumBytes: maximumBytes)
        }
    }

    /// Reads the regular file the descriptor opened (through any link) up to `maximumBytes`:
    /// the cap holds for what is read, whatever the file or a link claims its size is.
    private static func read(_ descriptor: Int32, path: String, maximumBytes: Int64) throws -> Data {
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw MarketError(.fetchFailed, "\(path) in the registry folder is not a regular file (a device, fifo or folder)",
                              fix: "a registry folder holds plain files; rebuild or copy the mirror again")
        }
        guard Int64(status.st_size) <= maximumBytes else { throw RegistryTransportLimit.exceeded(path, maximumBytes) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            guard count > 0 else {
                if errno == EINTR { continue }
                throw MarketError(.fetchFailed, "cannot read \(path) from the registry folder: \(String(cString: strerror(errno)))",
                                  fix: "check the registry folder's permissions")
            }
            guard Int64(data.count + count) <= maximumBytes else { throw RegistryTransportLimit.exceeded(path, maximumBytes) }
            data.append(contentsOf: buffer[0..<count])
        }
    }
}

/// Paths handed to a transport come from signed metadata or the layout; one that could leave
/// the tree is refused before it reaches a file system or a URL.
enum RegistryTransportPath {
    static func check(_ path: String) throws {
        guard RegistryLayout.isSafeRelativePath(path) else {
            throw MarketError(.registryInvalid, "'\(TerminalText.escape(path))' is not a path inside a registry tree",
                              fix: "the registry is misconfigured or hostile; do not use it, and tell its operator")
        }
    }
}

/// The error of a transport that is handed more bytes than the metadata allows.
enum RegistryTransportLimit {
    static func exceeded(_ path: String, _ limit: Int64) -> MarketError {
        MarketError(.hashMismatch, "\(path) is longer than the \(limit) bytes the signed metadata allows",
                    fix: "a mirror or cache served an altered file; try again later or use another mirror")
    }
}
