import Foundation

/// An `application/x-www-form-urlencoded` body with PHP-style names, as amoCRM and Bitrix24 post
/// their webhooks (`leads[add][0][id]=…`, `data[FIELDS][ID]=…&auth[application_token]=…`). Names
/// are kept whole; `indices` finds the numbered items of a list.
public struct WebhookForm: Sendable {
    public let fields: [String: String]

    /// Nil when the body is not UTF-8 or holds a part that does not percent-decode.
    public init?(_ body: [UInt8]) {
        guard let text = String(validating: body, as: UTF8.self) else { return nil }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decoded(parts[0]), let value = Self.decoded(parts.count > 1 ? parts[1] : "") else { return nil }
            if !name.isEmpty { fields[name] = value }
        }
        self.fields = fields
    }

    public var isEmpty: Bool { fields.isEmpty }

    public subscript(name: String) -> String? { fields[name] }

    public func int(_ name: String) -> Int? { fields[name].flatMap { Int($0) } }

    /// The numbers n with some `list[n][…]` name, in order.
    public func indices(_ list: String) -> [Int] {
        let prefix = list + "["
        return Set(fields.keys.compactMap { name -> Int? in
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "]" })
        }).sorted()
    }

    /// The `id` of each item of `list`.
    public func ids(_ list: String) -> [Int] {
        indices(list).compactMap { int("\(list)[\($0)][id]") }
    }

    private static func decoded(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// Whether `given` is the non-empty `expected`, in a time that depends only on `expected`'s
/// length: how much of a guess matched is not revealed.
public func sameSecret(_ given: String, _ expected: String) -> Bool {
    let (a, b) = (Array(given.utf8), Array(expected.utf8))
    var difference: UInt8 = a.count == b.count ? 0 : 1
    for index in b.indices { difference |= b[index] ^ (index < a.count ? a[index] : 0) }
    return difference == 0 && !b.isEmpty
}
