import MarketCore

/// The admin API's named refusals of a desired-state change, beside the registry's
/// (`FETCH_FAILED`, `NO_PLATFORM`, …) and the store's (`PLUGIN_CHANGE_CONFLICT`).
extension MarketError.Code {
    /// No registry this server reads lists the plugin.
    public static let pluginUnknown = Self(rawValue: "PLUGIN_UNKNOWN")
    /// The registry lists the plugin, but no version in the range is published, released and unyanked.
    public static let noFittingVersion = Self(rawValue: "NO_FITTING_VERSION")
    /// This server has no registry to resolve versions from.
    public static let registryNotConfigured = Self(rawValue: "REGISTRY_NOT_CONFIGURED")
    /// A rollback with no earlier desired version recorded.
    public static let noEarlierVersion = Self(rawValue: "NO_EARLIER_VERSION")
}
