import Foundation
import MarketCore
import MarketTestSupport
import Testing

/// The byte walk (`ConfigSchema.accepts`) against its oracle, the value validator plus the
/// search for a repeated member name (`JSONSyntax.firstRepeatedName`), on seeded random
/// schemas and random JSON text written to be near them: repeated and escaped keys, keys that
/// Swift compares by canonical equivalence, numbers at the edges of Int64 and Double, lone
/// surrogates, whitespace. The verdicts must be the same every time.
@Suite struct SchemaBytesPropertyTests {
    static let count = 4000

    @Test func theByteWalkAndTheValueValidatorAgree() throws {
        var random = SplitMix64(seed: 0x5C4E_3A_B17E5)
        var accepted = 0, refused = 0, refusedForRepeatsOnly = 0
        for iteration in 0..<Self.count {
            let schemaValue = Generator.schema(depth: 0, using: &random)
            let schema = try ConfigSchema(schemaValue)
            /// Checks one text: the walk's verdict must be the oracle's; returns the oracle's.
            func agree(_ text: String) -> Bool {
                let parsed = try? JSONValue(parsing: text)
                let valid = parsed.map { schema.violations(of: $0).isEmpty } ?? false
                let repeats = JSONSyntax.firstRepeatedName(in: text) != nil
                let byValue = valid && !repeats
                var bytes = text
                let byBytes = bytes.withUTF8 { schema.accepts(UnsafeRawBufferPointer($0)) }
                #expect(byBytes == byValue, "iteration \(iteration): \(schemaValue.jsonText) on \(text): bytes \(byBytes), value \(byValue)")
                if byValue { accepted += 1 } else { refused += 1 }
                if valid && repeats { refusedForRepeatsOnly += 1 }
                return byValue
            }
            for _ in 0..<4 {
                let text = Generator.text(for: schemaValue, depth: 0, using: &random)
                // An accepted object given one of its members twice, value and all, must be refused.
                if agree(text), case .object(let members)? = try? JSONValue(parsing: text), let name = members.keys.sorted().first {
                    let written = members.keys.sorted().map { JSONValue.string($0).jsonText + ":" + members[$0]!.jsonText }
                    let twice = written + [Generator.key(name, using: &random) + ":" + members[name]!.jsonText]
                    #expect(!agree("{" + twice.shuffled(using: &random).joined(separator: ",") + "}"))
                }
            }
        }
        // Both verdicts must be common, or the agreement proves little; and so must texts whose
        // values all pass but which repeat a name, or the walk's search for repeats goes untried.
        #expect(accepted > Self.count / 4 && refused > Self.count / 4, "accepted \(accepted), refused \(refused)")
        #expect(refusedForRepeatsOnly > Self.count / 40, "refused only for a repeated name: \(refusedForRepeatsOnly)")
    }

    /// Random schemas of the supported subset, and JSON text near them.
    enum Generator {
        static let names = ["a", "b", "text", "a/b", "t~x", "quo\"te", "K", "é"]
        static let types = ["null", "boolean", "object", "array", "number", "integer", "string"]

        static func schema(depth: Int, using random: inout SplitMix64) -> JSONValue {
            var keywords: [String: JSONValue] = [:]
            let type = random.pick(depth < 3 ? types : ["null", "boolean", "number", "integer", "string"])
            switch Int.random(in: 0..<10, using: &random) {
            case 0: break
            case 1: keywords["type"] = .array([.string(type), .string(random.pick(types))])
            default: keywords["type"] = .string(type)
            }
            switch type {
            case "number", "integer":
                if random.chance(0.4) { keywords["minimum"] = .integer(Int64.random(in: -5...5, using: &random)) }
                if random.chance(0.4) { keywords["maximum"] = .number(Double(Int.random(in: 0...20, using: &random)) / 2) }
                if random.chance(0.2) { keywords["exclusiveMaximum"] = .integer(Int64.random(in: 0...10, using: &random)) }
                if random.chance(0.2) { keywords["multipleOf"] = .number(random.pick([0.5, 2, 0.1])) }
            case "string":
                if random.chance(0.4) { keywords["minLength"] = .integer(Int64.random(in: 0...3, using: &random)) }
                if random.chance(0.4) { keywords["maxLength"] = .integer(Int64.random(in: 1...6, using: &random)) }
                if random.chance(0.15) { keywords["pattern"] = .string("^[a-z]*$") }
            case "array":
                if random.chance(0.7) { keywords["items"] = schema(depth: depth + 1, using: &random) }
                if random.chance(0.3) { keywords["minItems"] = .integer(Int64.random(in: 0...2, using: &random)) }
                if random.chance(0.3) { keywords["maxItems"] = .integer(Int64.random(in: 1...3, using: &random)) }
                if random.chance(0.15) { keywords["uniqueItems"] = .bool(true) }
            case "object":
                var properties: [String: JSONValue] = [:]
                for name in names.shuffled(using: &random).prefix(Int.random(in: 0...4, using: &random)) {
                    properties[name] = schema(depth: depth + 1, using: &random)
                }
                keywords["properties"] = .object(properties)
                // Required names are mostly properties, sometimes not.
                let required = (Array(properties.keys) + [random.pick(names)]).filter { _ in random.chance(0.4) }
                if !required.isEmpty { keywords["required"] = .array(required.map(JSONValue.string)) }
                switch Int.random(in: 0..<4, using: &random) {
                case 0: keywords["additionalProperties"] = .bool(false)
                case 1: keywords["additionalProperties"] = schema(depth: depth + 1, using: &random)
                case 2: keywords["additionalProperties"] = .bool(true)
                default: break
                }
                if random.chance(0.2) { keywords["minProperties"] = .integer(Int64.random(in: 1...3, using: &random)) }
                if random.chance(0.2) { keywords["maxProperties"] = .integer(Int64.random(in: 0...2, using: &random)) }
            default: break
            }
            if random.chance(0.1) { keywords["enum"] = .array([.string("red"), .integer(1), .null, .string("K")]) }
            if random.chance(0.05) { keywords["const"] = random.pick([.integer(2), .string("é"), .object(["a": .integer(1)])]) }
            return .object(keywords)
        }

        /// JSON text for `schema`: usually built to fit it, sometimes anything.
        static func text(for schema: JSONValue?, depth: Int, using random: inout SplitMix64) -> String {
            let space = random.chance(0.2) ? " \n" : ""
            if let schema, random.chance(0.85) {
                if case .array(let values)? = schema["enum"], random.chance(0.6) { return random.pick(values).jsonText }
                if let constant = schema["const"], random.chance(0.6) { return space + constant.jsonText }
                let type: String
                switch schema["type"] {
                case .string(let name)?: type = name
                case .array(let names)?: if case .string(let name) = random.pick(names) { type = name } else { type = "null" }
                default: type = random.pick(types)
                }
                return space + text(ofType: type, schema: schema, depth: depth, using: &random) + space
            }
            return space + text(ofType: random.pick(types), schema: nil, depth: depth, using: &random)
        }

        static func text(ofType type: String, schema: JSONValue?, depth: Int, using random: inout SplitMix64) -> String {
            switch type {
            case "null": return "null"
            case "boolean": return random.chance(0.5) ? "true" : "false"
            case "integer", "number":
                return random.pick(["0", "-0", "1", "2", "3", "-1", "7", "1.0", "2.5", "0.1", "0.3", "-0.0", "1e1", "4E-1", "10",
                                    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "123456789012345678901234", "1e400"])
            case "string":
                return random.pick([#""""#, #""x""#, #""abc""#, #""héllo""#, #""a\u00e9""#, #""\ud83d\ude00""#, #""\ud800""#,
                                    #""abc\n""#, #""ABC""#, #""red""#, #""K""#, #""\u212A""#, #""é""#, #""e\u0301""#, #""abcdefgh""#])
            case "array":
                let count = depth > 4 ? 0 : Int.random(in: 0...4, using: &random)
                let elements = (0..<count).map { _ in text(for: schema?["items"], depth: depth + 1, using: &random) }
                return "[" + elements.joined(separator: random.chance(0.2) ? " , " : ",") + "]"
            default:
                guard depth <= 4 else { return "{}" }
                var properties: [String: JSONValue] = [:]
                if case .object(let members)? = schema?["properties"] { properties = members }
                var members: [(name: String, value: String)] = []
                for name in properties.keys.sorted() where random.chance(0.7) {
                    members.append((name, text(for: properties[name], depth: depth + 1, using: &random)))
                }
                for _ in 0..<Int.random(in: 0...2, using: &random) where random.chance(0.4) {
                    let name = random.pick(names + ["z", "\u{212A}", "e\u{301}"])
                    members.append((name, text(for: properties[name] ?? schema?["additionalProperties"], depth: depth + 1, using: &random)))
                }
                if !members.isEmpty, random.chance(0.3) {
                    // A repeated name (written plainly or escaped), with its value again or one of its own.
                    let repeated = random.pick(members)
                    members.append((repeated.name, random.chance(0.5) ? repeated.value : text(for: nil, depth: depth + 1, using: &random)))
                }
                let written = members.map { key($0.name, using: &random) + ":" + $0.value }
                return "{" + written.shuffled(using: &random).joined(separator: ",") + "}"
            }
        }

        /// `name` as a JSON key: plain, or with an escape that decodes to the same text.
        static func key(_ name: String, using random: inout SplitMix64) -> String {
            let plain = JSONValue.string(name).jsonText
            guard random.chance(0.25), let first = name.unicodeScalars.first else { return plain }
            let escaped = String(format: "\\u%04x", first.value) + String(name.unicodeScalars.dropFirst())
            return JSONValue.string(escaped).jsonText.replacingOccurrences(of: "\\\\u", with: "\\u")
        }
    }
}
