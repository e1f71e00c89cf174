import CRMKit
import Foundation
import PluginKit

/// amoCRM's records as API v4 sends them, and their contract form (docs/crm.md).

/// A contact as amoCRM answers it. Read by hand from the answer (`JSONView`), not through
/// Codable: contacts are what find_contact, the call a conversation makes most, reads.
struct AmoContact {
    let id: Int
    let name: String?
    let created_at: Int64?
    let updated_at: Int64?
    let custom_fields_values: [AmoField]?
    let _embedded: AmoLinks?
    /// The PHONE field's values, normalised; values that are no phone number are left out.
    /// Worked out once, when read: a search filters by them and the result shows them.
    let phones: [String]
    /// The EMAIL field's values, normalised.
    let emails: [String]

    /// nil when `view` is no contact (no integer `id`).
    init?(view: JSONView) {
        guard let id = view["id"]?.int else { return nil }
        self.id = id
        name = view["name"]?.string
        created_at = view["created_at"]?.int64
        updated_at = view["updated_at"]?.int64
        custom_fields_values = view["custom_fields_values"].flatMap { $0.isArray ? $0.elements.map(AmoField.init(view:)) : nil }
        _embedded = view["_embedded"].flatMap { $0.isObject ? AmoLinks(view: $0) : nil }
        let fields = custom_fields_values ?? []
        phones = ContactIdentity.phones(in: Self.values(of: "PHONE", in: fields))
        emails = ContactIdentity.emails(in: Self.values(of: "EMAIL", in: fields))
    }

    /// The contract's contact; `companies` names the companies this one may belong to.
    func contract(companies: [Int: String]) -> Contact {
        let companyID = _embedded?.companies?.first?.id
        return Contact(id: String(id), name: name ?? "", phones: phones, emails: emails, company_id: companyID.map(String.init),
                       company: companyID.flatMap { companies[$0] }, created_at: CRMClock.timestamp(unixSeconds: created_at ?? 0),
                       updated_at: CRMClock.timestamp(unixSeconds: updated_at ?? created_at ?? 0))
    }

    /// The values of the field with `code`, as they were typed.
    func values(of code: String) -> [String] { Self.values(of: code, in: custom_fields_values ?? []) }

    static func values(of code: String, in fields: [AmoField]) -> [String] {
        fields.filter { $0.field_code == code }.flatMap { $0.values ?? [] }.compactMap(\.text)
    }
}

/// One custom field of a record; phones and e-mails are the multitext fields PHONE and EMAIL.
struct AmoField {
    struct Value {
        /// Other fields hold numbers or booleans; only text matters here.
        let text: String?
        let enum_code: String?
    }

    let field_id: Int?
    let field_code: String?
    let values: [Value]?

    init(view: JSONView) {
        field_id = view["field_id"]?.int
        field_code = view["field_code"]?.string
        values = view["values"].flatMap { $0.isArray ? $0.elements.map { Value(text: $0["value"]?.string, enum_code: $0["enum_code"]?.string) } : nil }
    }
}

/// What a record links to, as `_embedded` carries it.
struct AmoLinks: Decodable {
    struct Reference: Decodable {
        let id: Int
    }

    let companies: [Reference]?
    let contacts: [Reference]?
    let leads: [Reference]?

    init(view: JSONView) {
        func references(_ key: String) -> [Reference]? {
            view[key].flatMap { $0.isArray ? $0.elements.compactMap { $0["id"]?.int.map(Reference.init(id:)) } : nil }
        }
        companies = references("companies")
        contacts = references("contacts")
        leads = references("leads")
    }
}

struct AmoCompany: Decodable {
    let id: Int
    let name: String?
}

struct AmoLead: Decodable {
    let id: Int
    let name: String?
    let price: Double?
    let status_id: Int
    let pipeline_id: Int
    let created_at: Int64?
    let updated_at: Int64?
    let _embedded: AmoLinks?

    var contract: Lead {
        Lead(id: String(id), title: name ?? "", price: price, pipeline: String(pipeline_id), stage: String(status_id),
             contact_ids: (_embedded?.contacts ?? []).map { String($0.id) }, created_at: CRMClock.timestamp(unixSeconds: created_at ?? 0),
             updated_at: CRMClock.timestamp(unixSeconds: updated_at ?? created_at ?? 0))
    }
}

/// A list answer: `{"_page": n, "_embedded": {"contacts": [...]}}` and the like.
/// `AmoAPI.contacts` reads one by hand, as `init(from:)` does through Codable.
struct AmoList<Item: Decodable>: Decodable {
    let items: [Item]
    let hasNext: Bool

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let embedded = try container.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "_embedded"))
        guard let key = embedded.allKeys.first else {
            items = []
            hasNext = false
            return
        }
        items = try embedded.decode([Item].self, forKey: key)
        let links = try? container.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "_links"))
        hasNext = links?.contains(Key(stringValue: "next")) ?? false
    }
}

/// The answer to an add: the new records' ids.
struct AmoAdded: Decodable {
    struct Item: Decodable {
        let id: Int
    }

    let items: [Item]

    init(from decoder: any Decoder) throws {
        items = try AmoList<Item>(from: decoder).items
    }
}
