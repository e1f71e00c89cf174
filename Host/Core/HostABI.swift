import MarketPluginAPI
import PluginKit

/// What this host build speaks to plugins: read by the runtime (which loads them) and by the
/// registry (which chooses artifacts and versions for them), so neither depends on the other.
public enum HostABI {
    /// The ABI version, `major.minor`, from the C header's `MK_ABI_VERSION_*`.
    public static let version = "\(MK_ABI_VERSION_MAJOR).\(MK_ABI_VERSION_MINOR)"
    /// The Swift toolchain Swift plugins must have been built with (the SDK's one definition).
    public static let toolchain = swiftToolchain
}
