/// One compiled (sub)schema. Every keyword is checked when the schema is compiled, so
/// validation itself cannot fail.
final class SchemaNode: Sendable {
    enum Additional: Sendable {
        case allowed, forbidden, schema(SchemaNode)
    }

    let types: [SchemaType]?
    let required: [String]
    let properties: [String: SchemaNode]
    let additionalProperties: Additional
    let minProperties: Int?
    let maxProperties: Int?
    let allowed: [JSONValue]?
    let constant: JSONValue?
    let minimum: Double?
    let maximum: Double?
    let exclusiveMinimum: Double?
    let exclusiveMaximum: Double?
    let multipleOf: Double?
    let minLength: Int?
    let maxLength: Int?
    let pattern: SchemaPattern?
    let items: SchemaNode?
    let minItems: Int?
    let maxItems: Int?
    let uniqueItems: Bool
    let defaultValue: JSONValue?
    let isSecret: Bool
    /// What the byte walk (`accepts`) needs of this node, worked out once.
    let plan: ByteWalkPlan

    /// Keywords that would constrain values but are not supported; refused rather than ignored.
    static let unsupported: Set<String> = [
        "$ref", "$defs", "definitions", "$dynamicRef", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
        "patternProperties", "propertyNames", "dependentRequired", "dependentSchemas", "dependencies",
        "prefixItems", "additionalItems", "contains", "minContains", "maxContains", "unevaluatedProperties", "unevaluatedItems",
    ]

    /// - Parameter topLevel: whether this is a property of the root object, the only place
    ///   `format: secret` may appear.
    init(_ schema: JSONValue, at path: String, topLevel: Bool) throws {
        guard case .object(let keywords) = schema else {
            throw SchemaProblem(path: path, message: "a schema must be an object")
        }
        func problem(_ keyword: String, _ message: String) -> SchemaProblem {
            SchemaProblem(path: JSONPointer.appending(path, keyword), message: message)
        }
        if let keyword = keywords.keys.sorted().first(where: Self.unsupported.contains) {
            throw problem(keyword, "the keyword \(keyword) is not supported in plugin config schemas")
        }
        func number(_ keyword: String) throws -> Double? {
            guard let value = keywords[keyword] else { return nil }
            guard let number = value.doubleValue, number.isFinite else { throw problem(keyword, "must be a number") }
            return number
        }
        func count(_ keyword: String) throws -> Int? {
            guard let value = try number(keyword) else { return nil }
            guard value >= 0, value.rounded(.towardZero) == value, value < 1e15 else { throw problem(keyword, "must be a non-negative integer") }
            return Int(value)
        }

        switch keywords["type"] {
        case nil:
            types = nil
        case .string(let name)?:
            guard let type = SchemaType(rawValue: name) else { throw problem("type", "names no JSON Schema type: \(name)") }
            types = [type]
        case .array(let names)?:
            types = try names.map { name in
                guard case .string(let name) = name, let type = SchemaType(rawValue: name) else {
                    throw problem("type", "must list type names (null, boolean, object, array, number, integer, string)")
                }
                return type
            }
            if types?.isEmpty == true { throw problem("type", "must list at least one type") }
        default:
            throw problem("type", "must be a type name or a list of them")
        }

        switch keywords["required"] {
        case nil: required = []
        case .array(let names)?:
            required = try names.map { name in
                guard case .string(let name) = name else { throw problem("required", "must list property names") }
                return name
            }
        default: throw problem("required", "must be a list of property names")
        }

        switch keywords["properties"] {
        case nil: properties = [:]
        case .object(let members)?:
            let base = JSONPointer.appending(path, "properties")
            properties = try members.reduce(into: [:]) { result, member in
                result[member.key] = try SchemaNode(member.value, at: JSONPointer.appending(base, member.key), topLevel: path.isEmpty)
            }
        default: throw problem("properties", "must be an object of schemas")
        }

        switch keywords["additionalProperties"] {
        case nil, .bool(true)?: additionalProperties = .allowed
        case .bool(false)?: additionalProperties = .forbidden
        case let value?: additionalProperties = .schema(try SchemaNode(value, at: JSONPointer.appending(path, "additionalProperties"), topLevel: false))
        }

        switch keywords["items"] {
        case nil: items = nil
        case let value?: items = try SchemaNode(value, at: JSONPointer.appending(path, "items"), topLevel: false)
        }

        switch keywords["enum"] {
        case nil: allowed = nil
        case .array(let values)? where !values.isEmpty: allowed = values
        default: throw problem("enum", "must be a non-empty list of values")
        }
        constant = keywords["const"]

        minimum = try number("minimum")
        maximum = try number("maximum")
        // Draft 4 wrote exclusive bounds as booleans beside minimum/maximum; later drafts as numbers.
        switch keywords["exclusiveMinimum"] {
        case .bool(let exclusive)?:
            guard let minimum else { throw problem("exclusiveMinimum", "true needs a minimum beside it") }
            exclusiveMinimum = exclusive ? minimum : nil
        default: exclusiveMinimum = try number("exclusiveMinimum")
        }
        switch keywords["exclusiveMaximum"] {
        case .bool(let exclusive)?:
            guard let maximum else { throw problem("exclusiveMaximum", "true needs a maximum beside it") }
            exclusiveMaximum = exclusive ? maximum : nil
        default: exclusiveMaximum = try number("exclusiveMaximum")
        }
        multipleOf = try number("multipleOf")
        if let multipleOf, multipleOf <= 0 { throw problem("multipleOf", "must be greater than 0") }

        minLength = try count("minLength")
        maxLength = try count("maxLength")
        minItems = try count("minItems")
        maxItems = try count("maxItems")
        minProperties = try count("minProperties")
        maxProperties = try count("maxProperties")
        switch keywords["uniqueItems"] {
        case nil: uniqueItems = false
        case .bool(let value)?: uniqueItems = value
        default: throw problem("uniqueItems", "must be true or false")
        }

        switch keywords["pattern"] {
        case nil: pattern = nil
        case .string(let source)?:
            do { pattern = try SchemaPattern(source) } catch { throw problem("pattern", "is not a valid regular expression") }
        default: throw problem("pattern", "must be a regular expression in a string")
        }

        defaultValue = keywords["default"]
        isSecret = keywords["format"] == .string("secret")
        if isSecret {
            guard topLevel else { throw problem("format", "secret is only allowed on properties of the top-level object") }
            guard types == [.string] else { throw problem("format", "secret needs \"type\": \"string\" beside it") }
            guard defaultValue == nil else { throw problem("default", "a secret field cannot have a default (it would be public in plugin.json)") }
        }
        plan = ByteWalkPlan(properties: properties, required: required,
                            comparesValues: allowed != nil || constant != nil || uniqueItems || pattern != nil)
        if let defaultValue {
            var found: [SchemaViolation] = []
            check(defaultValue, at: "", assumingPresent: [], into: &found)
            if let first = found.first { throw problem("default", "does not satisfy its own schema (\(first))") }
        }
    }
}
