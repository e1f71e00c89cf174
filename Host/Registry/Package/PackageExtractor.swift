import CArchive
import Foundation
import MarketCore

/// Extracts a package safely. libarchive only parses; this code decides what is written:
/// regular files and folders with relative paths inside the destination, within the caps.
///
/// A first pass (the survey) reads every header and hashes every file without writing
/// anything, so the archive can be refused, and its signed checksums checked, before anything
/// is written; the second pass writes into a staging folder beside the destination, which is
/// renamed into place at the end or removed on any failure. Blocking: call from a thread of
/// its own.
public enum PackageExtractor {
    /// Reads every entry of `archive` within `limits` and hashes each file, writing nothing.
    /// Throws `PACKAGE_UNSAFE` for a hostile entry and `PACKAGE_INVALID` for an unreadable archive.
    public static func survey(_ archive: URL, limits: ExtractionLimits = ExtractionLimits()) throws -> PackageSurvey {
        var survey = PackageSurvey()
        _ = try readEntries(archive, limits: limits, writingInto: nil, surveying: &survey)
        return survey
    }

    /// Extracts `archive` into `destination`, which must not exist yet, once `approve` accepts
    /// the survey of its contents. Returns the relative paths of the files written, sorted.
    /// Throws `PACKAGE_UNSAFE` for a hostile entry, `PACKAGE_INVALID` for an unreadable archive,
    /// or what `approve` throws; the destination then does not exist.
    public static func extract(_ archive: URL, to destination: URL, limits: ExtractionLimits = ExtractionLimits(),
                               approve: (PackageSurvey) throws -> Void = { _ in }) throws -> [String] {
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: destination.path) else {
            throw MarketError(.ioFailed, "\(destination.path) already exists", fix: "extract into a new folder")
        }
        try approve(survey(archive, limits: limits))
        let staging = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).staging-\(UUID().uuidString)")
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        } catch {
            throw MarketError(.ioFailed, "cannot create \(staging.path)", underlying: error)
        }
        do {
            var ignored = PackageSurvey()
            let files = try readEntries(archive, limits: limits, writingInto: staging, surveying: &ignored)
            try fileManager.moveItem(at: staging, to: destination)
            return files.sorted()
        } catch {
            try? fileManager.removeItem(at: staging)
            if let error = error as? MarketError { throw error }
            throw MarketError(.ioFailed, "cannot move the extracted package to \(destination.path)", underlying: error)
        }
    }

    /// Reads every entry, checking each header; writes the data under `root` when given,
    /// otherwise hashes it into `survey`.
    private static func readEntries(_ url: URL, limits: ExtractionLimits, writingInto root: URL?, surveying survey: inout PackageSurvey) throws -> [String] {
        guard let archive = archive_read_new() else { throw MarketError(.ioFailed, "libarchive could not start reading") }
        defer { archive_read_free(archive) }
        archive_read_support_filter_gzip(archive)
        archive_read_support_format_tar(archive)
        guard archive_read_open_filename(archive, url.path, 64 * 1024) == ARCHIVE_OK else {
            throw invalid(archive, url)
        }
        var seen = Set<String>()
        var files: [String] = []
        var total: Int64 = 0
        var entries = 0
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK, let entry else { throw invalid(archive, url) }
            // Every header counts, the skipped `./` folders too: each costs a read.
            entries += 1
            guard entries <= limits.maximumEntries else {
                throw unsafe("holds more than \(limits.maximumEntries) entries")
            }
            guard let member = try check(entry) else { continue }
            guard seen.insert(member.path).inserted else { throw unsafe("lists '\(TerminalText.escape(member.path))' twice") }
            guard member.size <= limits.maximumFileBytes else {
                throw unsafe("declares '\(TerminalText.escape(member.path))' as \(member.size) bytes, over the \(limits.maximumFileBytes)-byte cap per file")
            }
            total += member.size
            guard total <= limits.maximumTotalBytes else {
                throw unsafe("declares more than \(limits.maximumTotalBytes) bytes in all")
            }
            if !member.isDirectory { files.append(member.path) }
            guard let root else {
                if !member.isDirectory { try survey.add(member.path, size: member.size, reading: { try readData(of: archive, limit: member.size, source: url, into: $0) }) }
                continue
            }
            let target = root.appendingPathComponent(member.path)
            if member.isDirectory {
                try makeFolder(target)
            } else {
                try makeFolder(target.deletingLastPathComponent())
                try writeData(of: archive, to: target, executable: member.executable, limit: member.size, source: url)
            }
        }
        return files
    }

    private struct Member {
        let path: String
        let size: Int64
        let isDirectory: Bool
        let executable: Bool
    }

    /// Refuses anything but a regular file or folder with a relative path free of `..`;
    /// returns nil for the archive's own top folder (`./`), which tar tools often add.
    private static func check(_ entry: OpaquePointer) throws -> Member? {
        guard let raw = archive_entry_pathname(entry) else { throw unsafe("has an entry without a path") }
        let path = String(cString: raw)
        guard !path.hasPrefix("/") else { throw unsafe("has an absolute path '\(TerminalText.escape(path))'") }
        let components = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        guard !components.contains("..") else { throw unsafe("has a path with '..': '\(TerminalText.escape(path))'") }
        guard archive_entry_hardlink(entry) == nil, archive_entry_symlink(entry) == nil else {
            throw unsafe("has a link '\(TerminalText.escape(path))'; packages hold only files and folders")
        }
        let type = UInt32(archive_entry_filetype(entry))
        guard type == regularFileType || type == directoryType else {
            throw unsafe("has '\(TerminalText.escape(path))', which is not a regular file or folder (a link, device or fifo)")
        }
        let isDirectory = type == directoryType
        guard !components.isEmpty else {
            if isDirectory { return nil }
            throw unsafe("has a file with an empty path")
        }
        guard isDirectory || archive_entry_size_is_set(entry) != 0 else { throw unsafe("has '\(TerminalText.escape(path))' without a size") }
        let size = isDirectory ? 0 : Int64(archive_entry_size(entry))
        guard size >= 0 else { throw unsafe("has '\(TerminalText.escape(path))' with a negative size") }
        let executable = UInt32(archive_entry_perm(entry)) & 0o111 != 0
        return Member(path: components.joined(separator: "/"), size: size, isDirectory: isDirectory, executable: executable)
    }

    private static func makeFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw MarketError(.ioFailed, "cannot create \(url.path)", underlying: error)
        }
    }

    /// Copies the entry's data; `O_EXCL | O_NOFOLLOW` means nothing existing is overwritten or
    /// followed, and `limit` holds the data to the size the header declared.
    private static func writeData(of archive: OpaquePointer, to target: URL, executable: Bool, limit: Int64, source: URL) throws {
        let descriptor = open(target.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, executable ? 0o755 : 0o644)
        guard descriptor >= 0 else {
            throw MarketError(.ioFailed, "cannot create \(target.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try readData(of: archive, limit: limit, source: source) { chunk in
            let done = Foundation.write(descriptor, chunk.baseAddress, chunk.count)
            guard done == chunk.count else { throw MarketError(.ioFailed, "cannot write \(target.path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Hands the entry's data to `body` in chunks, refusing more than the `limit` its header declared.
    private static func readData(of archive: OpaquePointer, limit: Int64, source: URL, into body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var read: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
            if count == 0 { break }
            guard count > 0 else { throw invalid(archive, source) }
            read += Int64(count)
            guard read <= limit else { throw unsafe("has an entry with more data than its header declares") }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    private static func unsafe(_ what: String) -> MarketError {
        MarketError(.packageUnsafe, "the package \(what)", fix: "do not install it; report it to its publisher or the registry's operator")
    }

    private static func invalid(_ archive: OpaquePointer, _ url: URL) -> MarketError {
        let reason = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
        return MarketError(.packageInvalid, "\(url.lastPathComponent) is not a readable package: \(reason)", fix: "download it again or rebuild it with `market pack`")
    }
}
