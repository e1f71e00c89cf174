import Crypto
import Foundation
import MarketCore

/// The CHECKSUMS file of a package: one line per file, `<sha256 hex> <size> <path>`, sorted by
/// path. CHECKSUMS.sig holds the publisher's signature of its exact bytes.
public struct Checksums: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
        public var path: String
    }

    public static let fileName = "CHECKSUMS"
    public static let signatureFileName = "CHECKSUMS.sig"

    public private(set) var entries: [Entry]

    /// Hashes `files`, given as paths and contents.
    public init(_ files: [(path: String, data: Data)]) {
        entries = files.sorted { $0.path < $1.path }.map { Entry(sha256: sha256Hex($0.data), size: Int64($0.data.count), path: $0.path) }
    }

    /// Parses the text of a CHECKSUMS file.
    public init(parsing data: Data) throws {
        let text = String(decoding: data, as: UTF8.self)
        entries = try text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, fields[0].count == 64, let size = Int64(fields[1]), size >= 0 else {
                throw MarketError(.packageInvalid, "the package's CHECKSUMS file has a malformed line", fix: "rebuild the package with `market pack`")
            }
            return Entry(sha256: String(fields[0]), size: size, path: String(fields[2]))
        }
    }

    /// The file's bytes.
    public var data: Data {
        Data(entries.map { "\($0.sha256) \($0.size) \($0.path)\n" }.joined().utf8)
    }

    /// Checks that `folder` holds exactly the listed files (besides CHECKSUMS and its
    /// signature) with the listed sizes and hashes; throws `HASH_MISMATCH` otherwise.
    public func verify(folder: URL, files: [String]) throws {
        try verify(present: Set(files)) { path in
            let data = try readFile(folder.appendingPathComponent(path))
            return PackageSurvey.File(sha256: sha256Hex(data), size: Int64(data.count))
        }
    }

    /// Checks that `files` are exactly the listed files (besides CHECKSUMS and its signature)
    /// and that `digest` gives each the listed size and hash; throws `HASH_MISMATCH` otherwise.
    func verify(present files: Set<String>, digest: (String) throws -> PackageSurvey.File) throws {
        let listed = Set(entries.map(\.path))
        let present = files.subtracting([Self.fileName, Self.signatureFileName])
        if let extra = present.subtracting(listed).sorted().first {
            throw MarketError(.hashMismatch, "the package holds '\(TerminalText.escape(extra))', which its CHECKSUMS does not list",
                              fix: "the package was altered after signing; download it again or ask its publisher")
        }
        for entry in entries {
            guard present.contains(entry.path) else {
                throw MarketError(.hashMismatch, "the package lacks '\(TerminalText.escape(entry.path))', which its CHECKSUMS lists", fix: "the package is incomplete; download it again")
            }
            let file = try digest(entry.path)
            guard file.size == entry.size, file.sha256 == entry.sha256 else {
                throw MarketError(.hashMismatch, "'\(TerminalText.escape(entry.path))' does not match the package's CHECKSUMS",
                                  fix: "the package was altered after signing; download it again or ask its publisher")
            }
        }
    }
}

/// Lower-case hex SHA-256 of `data`.
func sha256Hex(_ data: Data) -> String {
    hexDigits(SHA256.hash(data: data))
}

/// Reads a whole file, as `IO_FAILED` when it cannot.
func readFile(_ url: URL) throws -> Data {
    do {
        return try Data(contentsOf: url)
    } catch {
        throw MarketError(.ioFailed, "cannot read \(url.path)", underlying: error)
    }
}
