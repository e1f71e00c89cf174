import Foundation
import MarketCore

/// An extracted package whose CHECKSUMS is signed by a trusted publisher and matches its files.
public struct VerifiedPackage: Sendable {
    public let folder: URL
    public let manifest: PluginManifest
    public let publisherKey: PublicKey
    /// Where the library runs, from the package's signed platform.json.
    public let platform: Platform
    /// The files of the package, relative to `folder`, sorted.
    public let files: [String]
}

/// Opens packages: safe extraction, then the publisher's signature and every checksum.
public enum PackageVerifier {
    /// Verifies `archive` against `publishers`, the trusted publisher keys by id, then extracts
    /// it into `destination` (which must not exist) and verifies what was written. Nothing is
    /// written before the signature and every checksum verified; on any failure `destination`
    /// does not exist afterwards. Blocking: call through `BlockingWork.run`.
    public static func open(_ archive: URL, into destination: URL, publishers: [String: PublicKey],
                            limits: ExtractionLimits = ExtractionLimits()) throws -> VerifiedPackage {
        let files = try PackageExtractor.extract(archive, to: destination, limits: limits) { survey in
            _ = try survey.verify(publishers: publishers)
        }
        do {
            return try verify(destination, files: files, publishers: publishers)
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
    }

    /// Verifies an extracted package folder whose files are `files`.
    public static func verify(_ folder: URL, files: [String], publishers: [String: PublicKey]) throws -> VerifiedPackage {
        guard files.contains(Checksums.fileName), files.contains(Checksums.signatureFileName) else {
            throw MarketError(.packageInvalid, "the package has no CHECKSUMS or CHECKSUMS.sig", fix: "rebuild it with `market pack`, which signs it")
        }
        let checksumData = try readFile(folder.appendingPathComponent(Checksums.fileName))
        let key = try checkSignature(of: checksumData, signature: try readFile(folder.appendingPathComponent(Checksums.signatureFileName)), publishers: publishers)
        try Checksums(parsing: checksumData).verify(folder: folder, files: files)
        let manifest = try PluginManifest.load(from: folder)
        guard files.contains(manifest.library) else {
            throw MarketError(.packageInvalid, "the package lacks \(manifest.library), the library its plugin.json names", fix: "rebuild it with `market pack`")
        }
        guard files.contains(Platform.fileName),
              let platformValue = try? JSONValue(parsing: String(decoding: readFile(folder.appendingPathComponent(Platform.fileName)), as: UTF8.self)),
              let platform = try? platformValue.decode(Platform.self, what: Platform.fileName) else {
            throw MarketError(.packageInvalid, "the package has no readable platform.json", fix: "rebuild it with `market pack`")
        }
        return VerifiedPackage(folder: folder, manifest: manifest, publisherKey: key, platform: platform, files: files)
    }

    /// The key of `publishers` that signed `checksums` with `signature` (CHECKSUMS.sig's bytes).
    /// - Throws: `PACKAGE_INVALID`, `KEY_UNTRUSTED`, `SIG_INVALID`.
    static func checkSignature(of checksums: Data, signature signatureData: Data, publishers: [String: PublicKey]) throws -> PublicKey {
        let signature = try PackageSignature(parsing: signatureData)
        guard let key = publishers[signature.keyid] else {
            throw MarketError(.keyUntrusted, "the package is signed by publisher key \(signature.keyid), which is not trusted",
                              fix: "trust the publisher's public key if you know it is theirs")
        }
        guard signature.isValid(for: checksums, key: key) else {
            throw MarketError(.signatureInvalid, "the package's CHECKSUMS signature does not verify with key \(signature.keyid)",
                              fix: "the package was altered after signing; download it again or ask its publisher")
        }
        return key
    }
}
