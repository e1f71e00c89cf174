import Foundation
import MarketCore

/// What signed metadata pins about another file: its metadata version, SHA-256 and size.
public struct FileMeta: Codable, Sendable, Equatable {
    public var version: Int
    public var sha256: String
    public var size: Int64

    public init(version: Int, data: Data) {
        self.version = version
        sha256 = sha256Hex(data)
        size = Int64(data.count)
    }

    /// Throws `HASH_MISMATCH` unless `data` has the pinned size and hash.
    public func check(_ data: Data, what: String) throws {
        guard Int64(data.count) == size, sha256Hex(data) == sha256 else {
            throw MarketError(.hashMismatch, "\(what) is not the file the signed metadata pins (size or SHA-256 differ)",
                              fix: "a mirror or cache served a stale or altered file; try again later or use another mirror")
        }
    }
}
