import Crypto
import Foundation
import MarketCore

/// What a package holds, read without extracting it: the SHA-256 and size of every file, and
/// the bytes of the few small files needed to judge it (CHECKSUMS, CHECKSUMS.sig, plugin.json).
/// A package is verified from its survey before anything of it is written to disk.
public struct PackageSurvey: Sendable {
    public struct File: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
    }

    /// Every regular file by its path in the package.
    public private(set) var files: [String: File] = [:]
    private var kept: [String: Data] = [:]

    /// The files kept in memory, and the most each may hold.
    static let keptFiles: Set<String> = [Checksums.fileName, Checksums.signatureFileName, PluginManifest.fileName]
    static let maximumKeptBytes: Int64 = 1 << 20

    /// Hashes the file at `path`, whose data `reading` hands over in chunks.
    mutating func add(_ path: String, size: Int64, reading: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let keep = Self.keptFiles.contains(path)
        if keep, size > Self.maximumKeptBytes {
            throw MarketError(.packageInvalid, "the package's \(path) is \(size) bytes, over the \(Self.maximumKeptBytes)-byte cap",
                              fix: "rebuild it with `market pack`; a manifest and checksum list are small")
        }
        var hasher = SHA256()
        var data = Data()
        var count: Int64 = 0
        try reading { chunk in
            hasher.update(bufferPointer: chunk)
            count += Int64(chunk.count)
            if keep { data.append(contentsOf: chunk) }
        }
        files[path] = File(sha256: hexDigits(hasher.finalize()), size: count)
        if keep { kept[path] = data }
    }

    /// The publisher's signature of CHECKSUMS; `PACKAGE_INVALID` when missing or malformed.
    public func signature() throws -> PackageSignature {
        try PackageSignature(parsing: try signedFiles().signature)
    }

    /// The package's manifest, parsed and validated; `MANIFEST_INVALID` when missing or bad.
    public func manifest() throws -> PluginManifest {
        guard let data = kept[PluginManifest.fileName] else {
            throw MarketError(.manifestInvalid, "the package has no plugin.json", fix: "rebuild it with `market pack` from a plugin folder")
        }
        return try PluginManifest.parse(data, source: PluginManifest.fileName)
    }

    /// Checks that CHECKSUMS is signed by one of `publishers` and lists exactly the package's
    /// files with their sizes and hashes. Returns the key that signed it.
    /// - Throws: `PACKAGE_INVALID`, `KEY_UNTRUSTED`, `SIG_INVALID`, `HASH_MISMATCH`.
    public func verify(publishers: [String: PublicKey]) throws -> PublicKey {
        let signed = try signedFiles()
        let key = try PackageVerifier.checkSignature(of: signed.checksums, signature: signed.signature, publishers: publishers)
        try Checksums(parsing: signed.checksums).verify(present: Set(files.keys)) { path in
            guard let file = files[path] else { throw CocoaError(.fileNoSuchFile) }
            return file
        }
        return key
    }

    private func signedFiles() throws -> (checksums: Data, signature: Data) {
        guard let checksums = kept[Checksums.fileName], let signature = kept[Checksums.signatureFileName] else {
            throw MarketError(.packageInvalid, "the package has no CHECKSUMS or CHECKSUMS.sig", fix: "rebuild it with `market pack`, which signs it")
        }
        return (checksums, signature)
    }
}
