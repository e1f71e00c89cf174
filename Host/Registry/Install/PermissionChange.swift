import MarketCore

/// How the permissions of a plugin differ between the installed version and the one about to
/// replace it: what an operator is asked to consent to.
public struct PermissionChange: Sendable, Equatable, CustomStringConvertible {
    public var id: String
    public var from: String
    public var to: String
    /// Grants the new version asks for that the installed one did not, as `network: host`.
    public var added: [String]
    /// Grants the installed version had that the new one gives up.
    public var removed: [String]

    /// The change from `old` (nil when the installed plugin.json could not be read) to `new`.
    public init(id: String, from: String, to: String, old: PluginManifest.Permissions?, new: PluginManifest.Permissions) {
        self.id = id
        self.from = from
        self.to = to
        let before = old.map(Self.grants) ?? []
        let after = Self.grants(new)
        added = after.subtracting(before).sorted()
        removed = before.subtracting(after).sorted()
    }

    /// Each grant of `permissions` as one line.
    public static func grants(_ permissions: PluginManifest.Permissions) -> Set<String> {
        var lines = Set(permissions.network.map { "network: \($0)" })
        lines.formUnion(permissions.secrets.map { "secret: \($0)" })
        lines.formUnion(permissions.processes.map { "process: \($0)" })
        lines.formUnion(permissions.events.subscribe.map { "events.subscribe: \($0)" })
        lines.formUnion(permissions.events.emit.map { "events.emit: \($0)" })
        if permissions.ingress { lines.insert("ingress: inbound HTTP hooks") }
        return lines
    }

    /// "demo 1.0.0 → 1.1.0 permissions:" followed by `+ grant` and `- grant` lines.
    public var description: String {
        (["\(id) \(from) -> \(to) changes its permissions:"] + added.map { "  + \($0)" } + removed.map { "  - \($0)" }).joined(separator: "\n")
    }

    /// The change as JSON, for `--json` output.
    public var json: JSONValue {
        .object(["id": .string(id), "from": .string(from), "to": .string(to),
                 "added": .array(added.map(JSONValue.string)), "removed": .array(removed.map(JSONValue.string))])
    }
}
