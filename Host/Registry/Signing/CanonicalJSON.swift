import Foundation
import MarketCore

/// The bytes that get signed: JSON with keys sorted by their UTF-8 bytes, no whitespace,
/// integers written as integers, and strings escaping only `"`, `\` and control characters.
///
/// Signing these bytes rather than a file's text means a signature survives re-indentation,
/// and two encoders that agree on the value agree on the signature.
public enum CanonicalJSON {
    /// Integers beyond ±2^53 do not survive a round trip through a Double, so they are refused.
    static let largestExactInteger = 9_007_199_254_740_992.0

    /// The canonical bytes of `value`; throws `REGISTRY_INVALID` for a non-integer or
    /// out-of-range number, which signed metadata never carries.
    public static func data(_ value: JSONValue) throws -> Data {
        var output = [UInt8]()
        try append(value, to: &output)
        return Data(output)
    }

    /// The canonical bytes of an `Encodable` value.
    public static func data(encoding value: some Encodable) throws -> Data {
        try data(JSONValue(encoding: value))
    }

    private static func append(_ value: JSONValue, to output: inout [UInt8]) throws {
        switch value {
        case .null: output += Array("null".utf8)
        case .bool(let flag): output += Array((flag ? "true" : "false").utf8)
        case .integer(let integer):
            // Kept to what a Double holds exactly, so a verifier reading numbers as doubles agrees.
            guard integer.magnitude <= UInt64(largestExactInteger) else {
                throw MarketError(.registryInvalid, "signed metadata may hold only integers within ±2^53, not \(integer)")
            }
            output += Array(String(integer).utf8)
        case .number(let number):
            guard number.rounded() == number, abs(number) <= largestExactInteger else {
                throw MarketError(.registryInvalid, "signed metadata may hold only integers, not \(number)")
            }
            output += Array(String(Int64(number)).utf8)
        case .string(let text): appendString(text, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try append(item, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, member) in sorted.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                try append(member.value, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): output += Array("\\\\".utf8)
            case 0x08: output += Array("\\b".utf8)
            case 0x0C: output += Array("\\f".utf8)
            case 0x0A: output += Array("\\n".utf8)
            case 0x0D: output += Array("\\r".utf8)
            case 0x09: output += Array("\\t".utf8)
            case 0x00..<0x20: output += Array(String(format: "\\u%04x", byte).utf8)
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The JSON value an `Encodable` encodes to.
    init(encoding value: some Encodable) throws {
        do {
            self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        } catch {
            throw MarketError(.registryInvalid, "cannot encode \(type(of: value)) as JSON", underlying: error)
        }
    }

    /// Decodes this value as `T`; throws `REGISTRY_INVALID` naming `what`.
    func decode<T: Decodable>(_ type: T.Type, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: CanonicalJSON.data(self))
        } catch let error as MarketError {
            throw error
        } catch {
            throw MarketError(.registryInvalid, "\(what) does not have the expected fields", fix: "rebuild the registry with this version of market", underlying: error)
        }
    }
}
