/// Paths inside a registry tree. Documented in docs/registry.md.
public enum RegistryLayout {
    public static let root = "root.json"
    public static let timestamp = "timestamp.json"
    public static let snapshot = "snapshot.json"
    public static let catalog = "catalog.json"

    /// Every root version is kept, so clients can follow rotations one step at a time.
    public static func root(version: Int) -> String { "roots/\(version).json" }
    public static func index(_ id: String) -> String { "index/\(id).json" }
    public static func artifact(_ fileName: String) -> String { "artifacts/\(fileName)" }
}
