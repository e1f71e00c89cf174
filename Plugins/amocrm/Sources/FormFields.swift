import Foundation

/// An `application/x-www-form-urlencoded` body with PHP-style keys (`leads[add][0][id]`), as
/// amoCRM sends its webhooks. Keys are kept whole; `indices` finds the numbered items of a list.
struct FormFields {
    private var values: [String: String] = [:]

    init(body: [UInt8]) {
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = Self.decoded(parts[0]), !key.isEmpty else { continue }
            values[key] = parts.count > 1 ? Self.decoded(parts[1]) ?? "" : ""
        }
    }

    var isEmpty: Bool { values.isEmpty }

    subscript(key: String) -> String? { values[key] }

    func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }

    /// The numbers n with some `list[n][…]` key, in order.
    func indices(_ list: String) -> [Int] {
        let prefix = list + "["
        return Set(values.keys.compactMap { key -> Int? in
            guard key.hasPrefix(prefix) else { return nil }
            return Int(key.dropFirst(prefix.count).prefix { $0 != "]" })
        }).sorted()
    }

    /// The `id` of each item of `list`.
    func ids(_ list: String) -> [Int] {
        indices(list).compactMap { int("\(list)[\($0)][id]") }
    }

    private static func decoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
