import MarketCore

/// JSON Merge Patch (RFC 7396): a patch's members replace the target's, `null` removes a
/// member, and objects merge recursively. How `market config key=value` and partial updates
/// change a stored config.
enum JSONMergePatch {
    static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        guard case .object(var members) = target else { return apply(patch, to: .object([:])) }
        for (name, change) in changes {
            if change == .null {
                members[name] = nil
            } else {
                members[name] = apply(change, to: members[name] ?? .null)
            }
        }
        return .object(members)
    }
}
