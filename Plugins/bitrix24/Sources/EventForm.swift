import Crypto
import Foundation

/// The body of a Bitrix24 outbound event: `application/x-www-form-urlencoded` with PHP-style
/// names (`data[FIELDS][ID]=123&auth[application_token]=…`), read as flat names.
struct EventForm {
    let fields: [String: String]

    /// Nil when the body is not a form.
    init?(_ body: [UInt8]) {
        guard let text = String(validating: body, as: UTF8.self) else { return nil }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else { return nil }
            fields[name] = value
        }
        self.fields = fields
    }

    subscript(name: String) -> String? { fields[name] }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// Whether `given` is `expected`, in time that does not depend on where they differ:
    /// their SHA-256 digests are compared whole.
    static func sameToken(_ given: String, _ expected: String) -> Bool {
        let (a, b) = (Array(SHA256.hash(data: Data(given.utf8))), Array(SHA256.hash(data: Data(expected.utf8))))
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0 && !expected.isEmpty
    }
}
