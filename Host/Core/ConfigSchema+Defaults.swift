extension ConfigSchema {
    /// `config` with every missing property that has a `default` filled in, at every depth
    /// (inside present objects, inside filled-in defaults, and in each item of arrays).
    /// Values given are never changed, even when they are invalid.
    public func applyingDefaults(to config: JSONValue) -> JSONValue {
        root.applyingDefaults(to: config)
    }
}

extension SchemaNode {
    func applyingDefaults(to value: JSONValue) -> JSONValue {
        switch value {
        case .object(var members):
            for (name, schema) in properties {
                if let member = members[name] {
                    members[name] = schema.applyingDefaults(to: member)
                } else if let defaultValue = schema.defaultValue {
                    members[name] = schema.applyingDefaults(to: defaultValue)
                }
            }
            return .object(members)
        case .array(let elements):
            guard let items else { return value }
            return .array(elements.map { items.applyingDefaults(to: $0) })
        default:
            return value
        }
    }
}
