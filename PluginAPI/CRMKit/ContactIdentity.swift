import Foundation
import PluginKit

/// How the CRM recognises one person under different spellings: phones by their digits,
/// e-mails lower-cased (docs/crm.md, "Deduplication").
public enum ContactIdentity {
    /// Digits only ("+", spaces, brackets and dashes dropped); an 11-digit number starting
    /// with 8 is a Russian number dialled domestically, so its 8 becomes the country code 7.
    public static func phone(_ raw: String) throws -> String {
        var digits = String(raw.unicodeScalars.filter { ("0"..."9").contains($0) })
        if digits.count == 11, digits.hasPrefix("8") { digits = "7" + digits.dropFirst() }
        guard (5...15).contains(digits.count) else {
            throw PluginError(.invalidArgument, "phone '\(raw.prefix(40))' has \(digits.count) digits; give 5 to 15 digits with the country code, e.g. +7 916 123-45-67")
        }
        return digits
    }

    public static func email(_ raw: String) throws -> String {
        let email = raw.trimmed.lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !email.contains(where: \.isWhitespace), email.utf8.count <= 254 else {
            throw PluginError(.invalidArgument, "'\(raw.prefix(60))' is not an e-mail address; give one such as ada@example.com")
        }
        return email
    }

    /// The values of `list` and `single`, normalised with `normalise`, without repeats, in order.
    public static func all(_ list: [String]?, _ single: String?, _ normalise: (String) throws -> String) throws -> [String] {
        try ((list ?? []) + (single.map { [$0] } ?? [])).map(normalise).uniqued()
    }

    /// The phones among the values a CRM holds, normalised, without repeats; a value that is no
    /// phone number is left out.
    public static func phones(in values: [String]) -> [String] { values.compactMap { try? phone($0) }.uniqued() }

    /// The e-mail addresses among the values a CRM holds, normalised, without repeats.
    public static func emails(in values: [String]) -> [String] { values.compactMap { try? email($0) }.uniqued() }
}
