/// Caps on what extracting one package may write. A plugin package holds a handful of files,
/// so the defaults leave room for large libraries and little else.
public struct ExtractionLimits: Sendable {
    /// The most entries (files and folders) a package may hold.
    public var maximumEntries: Int
    /// The largest size one file may declare.
    public var maximumFileBytes: Int64
    /// The largest total of all declared sizes.
    public var maximumTotalBytes: Int64

    public init(maximumEntries: Int = 1_000, maximumFileBytes: Int64 = 256 << 20, maximumTotalBytes: Int64 = 512 << 20) {
        self.maximumEntries = maximumEntries
        self.maximumFileBytes = maximumFileBytes
        self.maximumTotalBytes = maximumTotalBytes
    }
}
