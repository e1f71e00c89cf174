import Crypto
import Foundation
import MarketCore
import PluginRuntime

/// Which build of a plugin a library is: its manifest's version and the SHA-256 of its library
/// file. Two libraries with the same identity are the same code; an instance is only ever
/// reused for the identity it was made from.
public struct LibraryIdentity: Hashable, Sendable, CustomStringConvertible {
    public let version: String
    /// Lowercase hex SHA-256 of the library file.
    public let hash: String

    public init(version: String, hash: String) {
        self.version = version
        self.hash = hash
    }

    /// The identity of the library file at `url` declared as `version`.
    /// - Throws: `LOAD_FAILED` when the file cannot be read.
    static func of(library url: URL, version: String) throws -> LibraryIdentity {
        let data = try MarketError.catching(.loadFailed, "cannot read \(url.path)") { try Data(contentsOf: url, options: .mappedIfSafe) }.get()
        return LibraryIdentity(version: version, hash: hexDigits(SHA256.hash(data: data)))
    }

    public var description: String { "\(version) (sha256 \(hash.prefix(12)))" }

    /// The members a call's event carries to say which build ran it: `plugin_version` and
    /// `library_sha256` (the hash's first 12 hex digits, as `description` shows it).
    public var eventData: [String: JSONValue] {
        ["plugin_version": .string(version), "library_sha256": .string(String(hash.prefix(12)))]
    }
}
