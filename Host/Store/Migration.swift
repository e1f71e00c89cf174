import Crypto
import MarketCore

/// One schema change: SQL run once, in a transaction, identified by its version.
public struct Migration: Sendable, Equatable {
    /// The number in the file name (`0001_initial.sql` is version 1); migrations apply in this order.
    public let version: Int
    /// The rest of the file name (`initial`).
    public let name: String
    /// The statements, run as one script inside the migration's transaction.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The SHA-256 of the SQL in hex: an applied migration whose text changes is refused.
    public var checksum: String {
        SHA256.hash(data: Array(sql.utf8)).map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// `0001_initial`, as in the file name.
    public var fileName: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }
}
