import CRMKit
import Foundation

/// How a HubSpot contact is the contract's `Contact`. HubSpot keeps one primary `email` and any
/// number of secondary ones (`hs_additional_emails`, `;`-separated, added through the secondary
/// e-mail endpoint), and two phones, `phone` and `mobilephone`, as typed; the name is `firstname`
/// and `lastname`; the company is the primary associated company (`associatedcompanyid`) and the
/// contact's `company` text.
enum ContactMapping {
    static let properties = ["firstname", "lastname", "email", "hs_additional_emails", "phone", "mobilephone", "company",
                             "associatedcompanyid", "createdate", "lastmodifieddate"]
    /// HubSpot's phone properties of a contact, in the order the contract's phones fill them.
    static let phoneProperties = ["phone", "mobilephone"]

    static func contact(_ object: HubSpotObject) -> Contact {
        let name = [object.property("firstname"), object.property("lastname")].compactMap { $0?.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return Contact(id: object.id, name: name, phones: phones(object), emails: emails(object),
                       company_id: object.property("associatedcompanyid"), company: object.property("company"),
                       created_at: RecordTime.contract(object.createdAt ?? object.property("createdate")),
                       updated_at: RecordTime.contract(object.updatedAt ?? object.property("lastmodifieddate")))
    }

    /// The contact's phones normalised; a value that is no phone number is left out.
    static func phones(_ object: HubSpotObject) -> [String] {
        ContactIdentity.phones(in: phoneProperties.compactMap { object.property($0) })
    }

    static func emails(_ object: HubSpotObject) -> [String] {
        let additional = (object.property("hs_additional_emails") ?? "").split(separator: ";").map(String.init)
        return ContactIdentity.emails(in: [object.property("email")].compactMap { $0 } + additional)
    }

    /// How the plugin writes a normalised phone: with a `+` when it has a country code (11 digits
    /// or more), as the bare digits when it may not (no country is guessed).
    static func written(_ phone: String) -> String {
        phone.count >= 11 ? "+" + phone : phone
    }

    /// The spellings of `phone` a search asks for: `+` and digits, the bare digits, and a Russian
    /// number's domestic 8…; other spellings are found through HubSpot's calculated phone numbers.
    static func spellings(_ phone: String) -> [String] {
        var all = ["+" + phone, phone]
        if phone.count == 11, phone.hasPrefix("7") { all.append("8" + phone.dropFirst()) }
        return all
    }

    /// `firstname` and `lastname` for a full name: the first word, then the rest.
    static func nameProperties(_ name: String) -> [String: String] {
        let parts = name.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let first = parts.first else { return [:] }
        var properties = ["firstname": String(first)]
        if parts.count > 1 { properties["lastname"] = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        return properties
    }
}

/// HubSpot's times (ISO 8601 with milliseconds, or Unix milliseconds in some properties) in
/// the contract's form.
enum RecordTime {
    static func contract(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "" }
        if let date = date(text) {
            return CRMClock.timestamp(UInt64(max(0, (date.timeIntervalSince1970 * 1_000_000).rounded())))
        }
        return text
    }

    static func date(_ text: String) -> Date? {
        if let milliseconds = Int64(text) { return Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
        for options in [ISO8601DateFormatter.Options.withInternetDateTime, [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// A time as HubSpot takes it in `hs_timestamp`: ISO 8601 in UTC with milliseconds.
    static func hubSpot(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
