import CArchive
import Foundation
import MarketCore

/// Writes `.mkpkg` packages: a gzip'd tar of a plugin folder's manifest, library and assets,
/// platform.json (where the library runs), CHECKSUMS and the publisher's CHECKSUMS.sig.
public enum PackageWriter {
    /// Files copied into a package when the plugin folder has them.
    public static let assetNames = ["icon.png", "icon.svg", "README.md", "CHANGELOG.md"]

    /// Packs the plugin folder `source` into `folder`, signed with `key`. Blocking: call it
    /// through `BlockingWork.run`, not from async code directly.
    public static func pack(_ source: URL, signedWith key: SigningKey, into folder: URL) throws -> BuiltPackage {
        let manifest = try PluginManifest.load(from: source)
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: source.appendingPathComponent(manifest.library).path) else {
            throw MarketError(.packageInvalid, "\(source.path) has no \(manifest.library), the library its plugin.json names",
                              fix: "build the plugin first")
        }
        let platform = Platform.host(toolchain: manifest.language == .swift ? manifest.toolchain : nil)
        let platformData = try CanonicalJSON.data(encoding: platform)
        let files = [PluginManifest.fileName, manifest.library] + assetNames.filter { fileManager.fileExists(atPath: source.appendingPathComponent($0).path) }
        var members: [(path: String, data: Data, executable: Bool)] = try files.map { path in
            (path, try readFile(source.appendingPathComponent(path)), path == manifest.library)
        }
        members.append((Platform.fileName, platformData, false))
        let checksums = Checksums(members.map { ($0.path, $0.data) })
        let signature = try PackageSignature(signing: checksums.data, with: key)
        let output = folder.appendingPathComponent(BuiltPackage.fileName(id: manifest.id, version: manifest.version, platform: platform))
        do {
            try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw MarketError(.ioFailed, "cannot create \(folder.path)", underlying: error)
        }
        members.append((Checksums.fileName, checksums.data, false))
        members.append((Checksums.signatureFileName, try CanonicalJSON.data(encoding: signature), false))
        try writeArchive(members, to: output)
        let data = try readFile(output)
        return BuiltPackage(url: output, manifest: manifest, platform: platform, sha256: sha256Hex(data), size: Int64(data.count), publisherKeyID: key.id)
    }

    /// Writes `members` as a gzip'd POSIX tar, with fixed owners and times so equal inputs
    /// give equal packages. Written beside `url` first and renamed, so a failure leaves no
    /// half-written package.
    static func writeArchive(_ members: [(path: String, data: Data, executable: Bool)], to url: URL) throws {
        let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        guard let archive = archive_write_new() else { throw MarketError(.ioFailed, "libarchive could not start a package") }
        defer { archive_write_free(archive) }
        func check(_ status: Int32, _ what: String) throws {
            guard status == ARCHIVE_OK else {
                let reason = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
                try? FileManager.default.removeItem(at: partial)
                throw MarketError(.ioFailed, "cannot write \(url.lastPathComponent): \(what): \(reason)")
            }
        }
        try check(archive_write_add_filter_gzip(archive), "gzip")
        // gzip stamps the current time in its header otherwise, and equal inputs would differ.
        try check(archive_write_set_filter_option(archive, "gzip", "timestamp", nil), "gzip without a timestamp")
        try check(archive_write_set_format_pax_restricted(archive), "tar format")
        try check(archive_write_open_filename(archive, partial.path), "open")
        for member in members {
            guard let entry = archive_entry_new() else { throw MarketError(.ioFailed, "libarchive could not make an entry") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, member.path)
            archive_entry_set_filetype(entry, regularFileType)
            archive_entry_set_perm(entry, member.executable ? 0o755 : 0o644)
            archive_entry_set_size(entry, la_int64_t(member.data.count))
            archive_entry_set_mtime(entry, 0, 0)
            try check(archive_write_header(archive, entry), member.path)
            let written = member.data.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            try check(written == member.data.count ? ARCHIVE_OK : ARCHIVE_FATAL, member.path)
        }
        try check(archive_write_close(archive), "close")
        do {
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: partial, to: url)
        } catch {
            throw MarketError(.ioFailed, "cannot write \(url.path)", underlying: error)
        }
    }
}

/// The `S_IFREG` and `S_IFDIR` bits of a tar entry's type; libarchive's AE_IF* macros are
/// casts, which Swift does not import.
let regularFileType: UInt32 = 0o100000
let directoryType: UInt32 = 0o040000

/// A package written by `PackageWriter`.
public struct BuiltPackage: Sendable {
    public let url: URL
    public let manifest: PluginManifest
    public let platform: Platform
    /// SHA-256 (hex) and size of the whole `.mkpkg` file, as an index pins them.
    public let sha256: String
    public let size: Int64
    public let publisherKeyID: String

    /// `<id>-<version>-<os>-<arch>[-<toolchain>].mkpkg`
    public static func fileName(id: String, version: String, platform: Platform) -> String {
        "\(id)-\(version)-\(platform).mkpkg"
    }
}
