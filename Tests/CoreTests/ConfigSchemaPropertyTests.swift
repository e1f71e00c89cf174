import Foundation
import MarketCore
import MarketTestSupport
import Testing

/// Properties of the config schema validator over seeded random schemas and values: values
/// built to satisfy a schema pass, one broken field is reported at its path, defaults are
/// idempotent and never replace what was given, and no message quotes a value.
@Suite struct ConfigSchemaPropertyTests {
    static let count = 1500

    /// A random schema of the supported subset, with the means to make values for it.
    indirect enum Shape {
        case integer(minimum: Int, maximum: Int)
        case number(minimum: Double, maximum: Double, exclusive: Bool)
        case string(minLength: Int, maxLength: Int, lowercase: Bool)
        case boolean
        case choice([String])
        case array(Shape, minItems: Int, maxItems: Int)
        case object([(name: String, shape: Shape, required: Bool, defaultValue: JSONValue?)], closed: Bool)

        static func random(depth: Int = 0, using random: inout SplitMix64) -> Shape {
            switch Int.random(in: 0..<(depth < 3 ? 8 : 5), using: &random) {
            case 0:
                let low = Int.random(in: -50...50, using: &random)
                return .integer(minimum: low, maximum: low + Int.random(in: 0...100, using: &random))
            case 1:
                let low = Double(Int.random(in: -100...100, using: &random)) / 4
                return .number(minimum: low, maximum: low + Double(Int.random(in: 1...40, using: &random)) / 4, exclusive: random.chance(0.5))
            case 2:
                let low = Int.random(in: 0...3, using: &random)
                return .string(minLength: low, maxLength: low + Int.random(in: 0...6, using: &random), lowercase: random.chance(0.5))
            case 3: return .boolean
            case 4: return .choice(Array(["red", "green", "blue", "teal"].shuffled(using: &random).prefix(Int.random(in: 1...4, using: &random))))
            case 5:
                let low = Int.random(in: 0...2, using: &random)
                return .array(Shape.random(depth: depth + 1, using: &random), minItems: low, maxItems: low + Int.random(in: 0...3, using: &random))
            default:
                let names = ["alpha", "beta", "gamma", "delta", "a/b", "t~x"].shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random))
                let members = names.map { name in
                    let shape = Shape.random(depth: depth + 1, using: &random)
                    let fallback = random.chance(0.3) ? shape.validValue(using: &random) : nil
                    return (name: name, shape: shape, required: random.chance(0.5), defaultValue: fallback)
                }
                return .object(members, closed: random.chance(0.5))
            }
        }

        var schema: JSONValue {
            switch self {
            case .integer(let minimum, let maximum):
                return .object(["type": .string("integer"), "minimum": .number(Double(minimum)), "maximum": .number(Double(maximum))])
            case .number(let minimum, let maximum, let exclusive):
                return exclusive
                    ? .object(["type": .string("number"), "exclusiveMinimum": .number(minimum), "exclusiveMaximum": .number(maximum)])
                    : .object(["type": .string("number"), "minimum": .number(minimum), "maximum": .number(maximum)])
            case .string(let minLength, let maxLength, let lowercase):
                var schema: [String: JSONValue] = ["type": .string("string"), "minLength": .number(Double(minLength)), "maxLength": .number(Double(maxLength))]
                if lowercase { schema["pattern"] = .string("^[a-z]*$") }
                return .object(schema)
            case .boolean: return .object(["type": .string("boolean")])
            case .choice(let values): return .object(["enum": .array(values.map(JSONValue.string))])
            case .array(let items, let minItems, let maxItems):
                return .object(["type": .string("array"), "items": items.schema, "minItems": .number(Double(minItems)), "maxItems": .number(Double(maxItems))])
            case .object(let members, let closed):
                var properties: [String: JSONValue] = [:]
                for member in members {
                    guard case .object(var schema) = member.shape.schema else { continue }
                    if let fallback = member.defaultValue { schema["default"] = fallback }
                    properties[member.name] = .object(schema)
                }
                return .object(["type": .string("object"), "properties": .object(properties), "additionalProperties": .bool(!closed),
                                "required": .array(members.filter(\.required).map { .string($0.name) })])
            }
        }

        func validValue(using random: inout SplitMix64) -> JSONValue {
            switch self {
            case .integer(let minimum, let maximum): return .number(Double(Int.random(in: minimum...maximum, using: &random)))
            case .number(let minimum, let maximum, _): return .number((minimum + maximum) / 2)
            case .string(let minLength, let maxLength, _):
                return .string(String((0..<Int.random(in: minLength...maxLength, using: &random)).map { _ in random.pick(Array("secretxyz")) }))
            case .boolean: return .bool(random.chance(0.5))
            case .choice(let values): return .string(random.pick(values))
            case .array(let items, let minItems, let maxItems):
                return .array((0..<Int.random(in: minItems...maxItems, using: &random)).map { _ in items.validValue(using: &random) })
            case .object(let members, _):
                var object: [String: JSONValue] = [:]
                for member in members where member.required || random.chance(0.5) { object[member.name] = member.shape.validValue(using: &random) }
                return .object(object)
            }
        }

        /// A value this shape refuses, when there is one; its violation is at the value itself.
        func invalidValue(using random: inout SplitMix64) -> JSONValue? {
            switch self {
            case .integer(_, let maximum): return random.chance(0.5) ? .number(Double(maximum + 1)) : .number(Double(maximum) - 0.5)
            case .number(let minimum, _, let exclusive): return .number(exclusive ? minimum : minimum - 1)
            case .string(_, let maxLength, _): return .string(String(repeating: "s", count: maxLength + 1))
            case .boolean: return .string("secret-true")
            case .choice: return .string("secret-purple")
            case .array(_, _, let maxItems): return .array(Array(repeating: .null, count: maxItems + 1))
            case .object(_, _): return .array([])
            }
        }
    }

    @Test func valuesMadeToFitPassAndOneBrokenFieldIsReportedAtItsPath() throws {
        var random = SplitMix64(seed: 0xC0FF_1CE5)
        for iteration in 0..<Self.count {
            let shape = Shape.random(using: &random)
            let schema = try ConfigSchema(shape.schema)
            let value = shape.validValue(using: &random)
            let found = schema.violations(of: value)
            #expect(found.isEmpty, "iteration \(iteration): \(shape.schema.jsonText) refused \(value.jsonText): \(found)")

            // Break one member of an object (or the value itself) and expect a violation there.
            var broken = value
            var path = ""
            if case .object(let members, _) = shape, case .object(var object) = value,
               let member = members.filter({ object[$0.name] != nil }).first, let bad = member.shape.invalidValue(using: &random) {
                object[member.name] = bad
                broken = .object(object)
                path = "/" + member.name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            } else if let bad = shape.invalidValue(using: &random) {
                broken = bad
            }
            guard broken != value else { continue }
            let violations = schema.violations(of: broken)
            #expect(violations.contains { $0.path == path }, "iteration \(iteration): no violation at \(path) in \(violations)")
            #expect(violations.allSatisfy { !$0.message.contains("secret") }, "a message quoted a value: \(violations)")
            #expect(violations.map(\.path) == violations.map(\.path).sorted(), "violations are sorted by path")
        }
    }

    @Test func defaultsAreIdempotentKeepGivenValuesAndAgreeWithValidated() throws {
        var random = SplitMix64(seed: 0xDEFA_0175)
        for _ in 0..<Self.count {
            let shape = Shape.random(using: &random)
            let schema = try ConfigSchema(shape.schema)
            let value = random.chance(0.7) ? shape.validValue(using: &random) : (shape.invalidValue(using: &random) ?? .null)
            let filled = schema.applyingDefaults(to: value)
            #expect(schema.applyingDefaults(to: filled) == filled)
            #expect(Self.isContained(value, in: filled), "defaults replaced a given value: \(value.jsonText) -> \(filled.jsonText)")
            let violations = schema.violations(of: filled)
            if let stored = try? schema.validated(value) {
                #expect(violations.isEmpty && stored == filled)
            } else {
                #expect(!violations.isEmpty)
            }
        }
    }

    @Test func boundsAgreeWithArithmetic() throws {
        var random = SplitMix64(seed: 0xB0B5)
        for _ in 0..<Self.count {
            let bound = Double(Int.random(in: -1000...1000, using: &random)) / 8
            let value = Double(Int.random(in: -1000...1000, using: &random)) / 8
            for (keyword, fails) in [("minimum", value < bound), ("maximum", value > bound),
                                     ("exclusiveMinimum", value <= bound), ("exclusiveMaximum", value >= bound)] {
                let schema = try ConfigSchema(.object(["type": .string("number"), keyword: .number(bound)]))
                #expect(schema.violations(of: .number(value)).isEmpty == !fails, "\(value) \(keyword) \(bound)")
            }
        }
    }

    /// Whether every member `given` has is in `result` with the same value (objects compared
    /// member by member, since defaults may add members below).
    static func isContained(_ given: JSONValue, in result: JSONValue) -> Bool {
        switch (given, result) {
        case (.object(let inner), .object(let outer)):
            return inner.allSatisfy { name, value in outer[name].map { isContained(value, in: $0) } ?? false }
        case (.array(let inner), .array(let outer)):
            return inner.count == outer.count && zip(inner, outer).allSatisfy { isContained($0, in: $1) }
        default:
            return given == result
        }
    }
}
