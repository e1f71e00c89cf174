import CRMKit
import Foundation
/// Parameters written the way PHP reads a query string (`fields[PHONE][0][VALUE]=…`): the form
/// of one command inside a `batch` call, which Bitrix24 takes as `method?query`.
enum BitrixQuery {
    /// `params` as a query string; nested objects and arrays become bracketed names.
    static func encode(_ params: [(String, BitrixValue)]) -> String {
        var pairs: [String] = []
        for (name, value) in params { append(name, value, to: &pairs) }
        return pairs.joined(separator: "&")
    }

    private static func append(_ name: String, _ value: BitrixValue, to pairs: inout [String]) {
        switch value {
        case .null: pairs.append(escape(name) + "=")
        case .bool(let flag): pairs.append(escape(name) + "=" + (flag ? "Y" : "N"))
        case .int, .double, .string: pairs.append(escape(name) + "=" + escape(value.text ?? ""))
        case .array(let items):
            for (index, item) in items.enumerated() { append("\(name)[\(index)]", item, to: &pairs) }
        case .object(let members):
            for key in members.keys.sorted() { append("\(name)[\(key)]", members[key] ?? .null, to: &pairs) }
        }
    }

    /// Percent-encodes everything but ASCII letters, digits, `-._~` and, in names, brackets.
    /// A `$result[…]` reference stays readable because Bitrix24 substitutes it after decoding.
    static func escape(_ text: String) -> String {
        percentEncoded(text, keeping: "[]")
    }
}
