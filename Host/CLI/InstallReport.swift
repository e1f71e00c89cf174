import Foundation
import MarketCore
import MarketRegistry

/// Prints what an install, update or rollback did, as text or as one JSON document, with
/// what each newly installed plugin is allowed to do (its permissions, from its plugin.json).
enum InstallReport {
    static func print(_ outcomes: [Installer.Outcome], stateDirectory: URL, json: Bool) {
        if json {
            printJSON(JSONValue.object(["plugins": .array(outcomes.map { outcome in
                let (id, version, status) = parts(outcome)
                var object: [String: JSONValue] = ["id": .string(id), "version": .string(version), "status": .string(status.replacingOccurrences(of: " ", with: "_"))]
                if case .installed = outcome, let grants = grants(id, version, stateDirectory) { object["grants"] = .array(grants.map(JSONValue.string)) }
                return .object(object)
            })]).jsonText)
            return
        }
        for outcome in outcomes {
            let (id, version, status) = parts(outcome)
            Swift.print("\(status) \(id) \(version) in \(stateDirectory.appendingPathComponent("plugins/\(id)/\(version)").path)")
            guard case .installed = outcome, let grants = grants(id, version, stateDirectory) else { continue }
            Swift.print(grants.isEmpty ? "  it may use no network, secrets, programs or events" : "  it may use:")
            for grant in grants { Swift.print("    \(TerminalText.escape(grant))") }
        }
    }

    /// The installed plugin's permissions, one line a grant, sorted; nil when unreadable.
    private static func grants(_ id: String, _ version: String, _ stateDirectory: URL) -> [String]? {
        let folder = stateDirectory.appendingPathComponent("plugins/\(id)/\(version)")
        guard let manifest = try? PluginManifest.load(from: folder) else { return nil }
        return PermissionChange.grants(manifest.permissions).sorted()
    }

    private static func parts(_ outcome: Installer.Outcome) -> (String, String, String) {
        switch outcome {
        case .installed(let id, let version): (id, version, "installed")
        case .alreadyInstalled(let id, let version): (id, version, "already installed")
        }
    }

    /// The lock entry of an installed plugin as JSON.
    static func json(_ id: String, _ entry: LockFile.Entry) -> JSONValue {
        .object(["id": .string(id), "version": .string(entry.version), "registry": .string(entry.registry), "publisher": .string(entry.publisher),
                 "requested": .bool(entry.requested), "range": entry.range.map(JSONValue.string) ?? .null,
                 "dependencies": .object(entry.dependencies.mapValues(JSONValue.string)),
                 "previous": entry.previous.map { JSONValue.string($0.version) } ?? .null])
    }
}
