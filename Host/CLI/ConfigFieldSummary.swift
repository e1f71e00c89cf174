import MarketCore

/// A config schema's top-level settings in one line each, for people:
/// `model (string, required) — The model to ask.` or `max_dice (integer, default 100)`.
struct ConfigFieldSummary {
    let line: String

    static func fields(of schema: JSONValue?) -> [ConfigFieldSummary] {
        guard case .object(let properties)? = schema?["properties"] else { return [] }
        let required: Set<String> = if case .array(let names)? = schema?["required"] {
            Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
        } else { [] }
        return properties.keys.sorted().map { name in
            let property = properties[name] ?? .null
            var traits: [String] = []
            switch property["type"] {
            case .string(let type)?: traits.append(type)
            case .array(let types)?: traits.append(types.map { if case .string(let type) = $0 { type } else { $0.jsonText } }.joined(separator: "|"))
            default: break
            }
            if required.contains(name) { traits.append("required") }
            if property["format"] == .string("secret") { traits.append("secret: market secret set") }
            if let value = property["default"] { traits.append("default \(value.jsonText)") }
            if case .array(let values)? = property["enum"] { traits.append("one of " + values.map(\.jsonText).joined(separator: ", ")) }
            var line = traits.isEmpty ? name : "\(name) (\(traits.joined(separator: ", ")))"
            if case .string(let description)? = property["description"], !description.isEmpty { line += " — \(description)" }
            return ConfigFieldSummary(line: line)
        }
    }
}
