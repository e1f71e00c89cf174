import Foundation

/// A plugin's config JSON Schema, compiled once and used to validate configurations, fill in
/// their defaults and find their secret fields.
///
/// The subset plugin configs use: `type` (with `integer` as a number without a fraction),
/// `required`, `properties`, `additionalProperties` (bool or schema), `minProperties`,
/// `maxProperties`, `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, `multipleOf`, `minLength`, `maxLength`, `pattern`, `items`, `minItems`,
/// `maxItems`, `uniqueItems`, `default`, and `format: secret` on top-level string properties.
/// Annotations (`title`, `description`, `examples`, other formats, `x-…`) are ignored; keywords
/// that would change what is valid but are not supported (`$ref`, `oneOf`, …) are refused, so a
/// schema never means less than its author wrote.
public struct ConfigSchema: Sendable {
    let root: SchemaNode

    /// The top-level properties marked `format: secret`, which are stored encrypted.
    public let secretFields: Set<String>

    /// The top-level property names the schema lists, sorted.
    public var fieldNames: [String] { root.properties.keys.sorted() }

    /// Compiles `schema`.
    /// - Parameter source: names the schema in errors, e.g. `plugin openai`.
    /// - Throws: `CONFIG_SCHEMA_INVALID` naming the keyword's place in the schema.
    public init(_ schema: JSONValue, source: String = "the config schema") throws {
        do {
            root = try SchemaNode(schema, at: "", topLevel: false)
        } catch let problem as SchemaProblem {
            throw MarketError(.configSchemaInvalid, "\(source): \(problem.path.isEmpty ? "/" : problem.path): \(problem.message)",
                              fix: "the plugin's author must fix plugin.json (docs/tenants.md lists the supported keywords)")
        }
        secretFields = Set(root.properties.filter { $0.value.isSecret }.map(\.key))
    }
}

/// What is wrong with a schema, and where in it.
struct SchemaProblem: Error {
    let path: String
    let message: String
}

/// The JSON types a schema's `type` names.
enum SchemaType: String, CaseIterable, Sendable {
    case null, boolean, object, array, number, integer, string

    /// Whether `value` is of this type; an integer is a number with no fraction.
    func matches(_ value: JSONValue) -> Bool {
        switch (self, value) {
        case (.null, .null), (.boolean, .bool), (.object, .object), (.array, .array), (.number, .number), (.number, .integer),
             (.integer, .integer), (.string, .string): true
        case (.integer, .number(let number)): number.isFinite && number.rounded(.towardZero) == number
        default: false
        }
    }

    /// The type of `value` as a schema would name it, for messages.
    static func of(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .object: "an object"
        case .array: "an array"
        case .integer: "an integer"
        case .number(let number): number.rounded(.towardZero) == number ? "an integer" : "a number"
        case .string: "a string"
        }
    }

    var withArticle: String {
        switch self {
        case .null: "null"
        case .integer, .object, .array: "an \(rawValue)"
        default: "a \(rawValue)"
        }
    }
}

/// An ECMA-262-style pattern compiled once. Unchecked: `NSRegularExpression` is immutable and
/// documented as safe to use from several threads at once.
final class SchemaPattern: @unchecked Sendable {
    let source: String
    let expression: NSRegularExpression

    init(_ source: String) throws {
        self.source = source
        expression = try NSRegularExpression(pattern: source)
    }

    /// JSON Schema patterns are not anchored: a match anywhere in the string counts.
    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
