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

extension MarketError.Code {
    /// A key file is missing, unreadable, or not an ed25519 key of the expected kind.
    public static let keyInvalid = Self(rawValue: "KEY_INVALID")
    /// A package is malformed: no manifest, a missing library, a bad CHECKSUMS file.
    public static let packageInvalid = Self(rawValue: "PACKAGE_INVALID")
    /// A package holds an entry that extraction refuses: an absolute path, `..`, a link, a
    /// device, or more files or bytes than the caps allow.
    public static let packageUnsafe = Self(rawValue: "PACKAGE_UNSAFE")
    /// Registry metadata is malformed or inconsistent.
    public static let registryInvalid = Self(rawValue: "REGISTRY_INVALID")
    /// The version being published is already in the registry's index.
    public static let versionExists = Self(rawValue: "VERSION_EXISTS")
    /// The registry has no plugin or version of that name.
    public static let notFound = Self(rawValue: "NOT_FOUND")
    /// The registry could not be reached or a file could not be fetched.
    public static let fetchFailed = Self(rawValue: "FETCH_FAILED")
    /// A name given as a plugin id (on the command line, or in a registry's metadata) is not one.
    public static let pluginIDInvalid = Self(rawValue: "PLUGIN_ID_INVALID")
}

extension MarketError.Code {
    /// An update asks for other permissions than the installed version has; it needs consent.
    public static let permissionsChanged = Self(rawValue: "PERMISSIONS_CHANGED")
    /// The plugin failed to load in a child process before it was switched in.
    public static let probeFailed = Self(rawValue: "PROBE_FAILED")
}
