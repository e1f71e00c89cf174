import MarketCore

/// The registry's named errors. Each says what went wrong and, through `MarketError.fix`,
/// what to do.
extension MarketError.Code {
    /// A signature does not verify against the key it claims.
    public static let signatureInvalid = Self(rawValue: "SIG_INVALID")
    /// Metadata or a package is signed by a key the client does not trust.
    public static let keyUntrusted = Self(rawValue: "KEY_UNTRUSTED")
    /// Metadata is past its expiry (a freeze attack, or a registry that was not refreshed).
    public static let metadataExpired = Self(rawValue: "META_EXPIRED")
    /// Metadata is older than what the client already trusts.
    public static let rollback = Self(rawValue: "ROLLBACK")
    /// A file's hash or size is not the one the signed metadata pins.
    public static let hashMismatch = Self(rawValue: "HASH_MISMATCH")
    /// No artifact of the plugin fits this host's os, arch or toolchain.
    public static let noPlatform = Self(rawValue: "NO_PLATFORM")
}
