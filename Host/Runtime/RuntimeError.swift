import MarketCore

extension MarketError.Code {
    /// The library has no `mk_plugin_entry_v1` export.
    public static let symbolMissing = Self(rawValue: "SYMBOL_MISSING")
    /// The descriptor's id, version or toolchain disagrees with plugin.json.
    public static let manifestMismatch = Self(rawValue: "MANIFEST_MISMATCH")
    /// A Swift plugin built with another toolchain than the host's.
    public static let toolchainMismatch = Self(rawValue: "TOOLCHAIN_MISMATCH")
    /// `dlopen` refused the library; the message carries the loader's text.
    public static let loadFailed = Self(rawValue: "LOAD_FAILED")
    /// `create` failed.
    public static let instanceFailed = Self(rawValue: "INSTANCE_FAILED")
    /// A result passed the host's size cap.
    public static let resultTooLarge = Self(rawValue: "RESULT_TOO_LARGE")
    /// The call's deadline passed.
    public static let timeout = Self(rawValue: "TIMEOUT")
    /// The caller cancelled.
    public static let cancelled = Self(rawValue: "CANCELLED")
    /// The caller's tool arguments are not a JSON object, or do not match the tool's
    /// `input_schema`; the plugin was not called. The same name as the ABI's
    /// `MK_ERR_INVALID_ARGUMENT`, which a plugin returns for arguments it refuses itself.
    public static let invalidArgument = Self(rawValue: "INVALID_ARGUMENT")
    /// The plugin returned a failure status; the message is the plugin's.
    public static let pluginFailed = Self(rawValue: "PLUGIN_FAILED")
    /// The instance was shut down.
    public static let instanceClosed = Self(rawValue: "INSTANCE_CLOSED")
}
