import MarketCore

/// Paths inside a registry tree. Documented in docs/registry.md.
///
/// Every path a client fetches or caches is built here from a checked name, so nothing a
/// registry publishes (an id, a dependency, an artifact file name) can step outside the tree or
/// the client's cache: ids are plugin ids, artifact names are plain file names.
public enum RegistryLayout {
    public static let root = "root.json"
    public static let timestamp = "timestamp.json"
    public static let snapshot = "snapshot.json"
    public static let catalog = "catalog.json"

    /// Every root version is kept, so clients can follow rotations one step at a time.
    public static func root(version: Int) -> String { "roots/\(version).json" }

    /// `index/<id>.json`; throws `PLUGIN_ID_INVALID` unless `id` is a plugin id.
    public static func index(_ id: String) throws -> String {
        try checkPluginID(id)
        return "index/\(id).json"
    }

    /// `artifacts/<fileName>`; throws `REGISTRY_INVALID` unless `fileName` is a plain file name.
    public static func artifact(_ fileName: String) throws -> String {
        guard isPlainFileName(fileName) else {
            throw MarketError(.registryInvalid, "the artifact name '\(TerminalText.escape(fileName))' is not a plain file name",
                              fix: "the registry is misconfigured or hostile; tell its operator")
        }
        return "artifacts/\(fileName)"
    }

    /// Throws `PLUGIN_ID_INVALID` unless `id` is a plugin id: 2–64 lower-case letters, digits or '-'.
    public static func checkPluginID(_ id: String) throws {
        guard PluginManifest.isIdentifier(id) else {
            throw MarketError(.pluginIDInvalid, "'\(TerminalText.escape(id))' is not a plugin id (2–64 lower-case letters, digits or '-', starting with a letter)",
                              fix: "name the plugin by its id, e.g. notes; a registry that lists such an id is misconfigured or hostile")
        }
    }

    /// Whether `path` is one a registry tree may hold and a client may cache: `catalog.json`,
    /// `index/<plugin id>.json` or `artifacts/<plain file name>`.
    public static func isCacheable(_ path: String) -> Bool {
        if path == catalog { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        switch parts[0] {
        case "index": return parts[1].hasSuffix(".json") && PluginManifest.isIdentifier(String(parts[1].dropLast(5)))
        case "artifacts": return isPlainFileName(String(parts[1]))
        default: return false
        }
    }

    /// Whether `path` is relative, made of plain names only (no '.', '..', empty parts, or
    /// characters outside A–Z a–z 0–9 . _ - +): safe to join to a folder or a base URL.
    public static func isSafeRelativePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.count <= 4 && parts.allSatisfy { isPlainFileName(String($0)) }
    }

    /// 1–255 of A–Z a–z 0–9 . _ - +, not starting with '.'.
    static func isPlainFileName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...255).contains(bytes.count), bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"): true
            default: false
            }
        }
    }
}
