import CRMKit
import Foundation
import PluginKit

/// find_contact and upsert_contact on amoCRM's contacts. amoCRM's `query` is a loose search
/// over every field, so its answers are narrowed to the contract's meaning: the same phone
/// once normalised, the same e-mail, a name containing the words.
extension AmoCRMPlugin {
    func findContact(_ input: FindContactInput, context: CallContext) throws -> ContactsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 50, default: 10)
        let found = try contacts(matching: try CRMArguments.search(input), context: context)
        return ContactsOutput(contacts: try contract(Array(found.prefix(limit)), context: context))
    }

    func upsertContact(_ input: UpsertContactInput, context: CallContext) throws -> UpsertContactOutput {
        let (phones, emails, name) = try input.identity()
        var matches: [AmoContact] = []
        for phone in phones { matches += try contacts(matching: .phone(phone), context: context).prefix(1) }
        for email in emails { matches += try contacts(matching: .email(email), context: context).prefix(1) }
        let company = try input.companyName.map { try companyNamed($0, context: context) }
        if let existing = matches.min(by: { ($0.created_at ?? 0, $0.id) < ($1.created_at ?? 0, $1.id) }) {
            return UpsertContactOutput(contact: try merge(into: existing, phones: phones, emails: emails, name: name, company: company, context: context),
                                       created: false)
        }
        let fields = Self.fields(phones: phones.map { "+" + $0 }, emails: emails)
        let added = try api.send("POST", "/api/v4/contacts", [NewContact(name: name, custom_fields_values: fields)], as: AmoAdded.self, context: context)
        guard let id = added.items.first?.id else { throw PluginError(.upstream, "amoCRM added the contact but answered no id") }
        if let company { try link("contacts", id, to: company.id, context: context) }
        let now = CRMClock.timestamp(CRMClock.nowMicroseconds())
        let contact = Contact(id: String(id), name: name, phones: phones, emails: emails, company_id: company.map { String($0.id) },
                              company: company?.name, created_at: now, updated_at: now)
        try publishOnce("contact.created", ContactEvent(contact: contact), entity: "contact", id: id, context: context)
        return UpsertContactOutput(contact: contact, created: true)
    }

    /// Contacts matching `search`, oldest first; at most 250 (one page of amoCRM's search).
    func contacts(matching search: CRMArguments.Search, context: CallContext) throws -> [AmoContact] {
        let query: String
        let keep: (AmoContact) -> Bool
        switch search {
        case .phone(let phone):
            // The last ten digits find every spelling (+7 916…, 8 916…); equality is checked after.
            query = String(phone.suffix(10))
            keep = { $0.phones.contains(phone) }
        case .email(let email):
            query = email
            keep = { $0.emails.contains(email) }
        case .name(let name):
            query = name
            keep = { ($0.name ?? "").lowercased().contains(name.lowercased()) }
        }
        let found = try api.contacts("/api/v4/contacts?limit=250&with=companies&query=\(percentEncoded(query))", context: context)
        return found.filter(keep).sorted { ($0.created_at ?? 0, $0.id) < ($1.created_at ?? 0, $1.id) }
    }

    /// The contract's contacts, with their companies' names read in one request.
    func contract(_ contacts: [AmoContact], context: CallContext) throws -> [Contact] {
        let ids = contacts.compactMap { $0._embedded?.companies?.first?.id }.uniqued()
        var names: [Int: String] = [:]
        if !ids.isEmpty {
            let filter = ids.map { "filter[id][]=\($0)" }.joined(separator: "&")
            for company in try api.get(AmoList<AmoCompany>.self, "/api/v4/companies?\(filter)", context: context)?.items ?? [] {
                names[company.id] = company.name ?? ""
            }
        }
        return contacts.map { $0.contract(companies: names) }
    }

    private func merge(into existing: AmoContact, phones: [String], emails: [String], name: String, company: AmoCompany?,
                       context: CallContext) throws -> Contact {
        let newPhones = phones.filter { !existing.phones.contains($0) }
        let newEmails = emails.filter { !existing.emails.contains($0) }
        let rename = (existing.name ?? "").isEmpty && !name.isEmpty
        let companyID = existing._embedded?.companies?.first?.id
        if !newPhones.isEmpty || !newEmails.isEmpty || rename {
            // A multitext field is replaced as a whole: the values kept as they were typed, the new ones after.
            let fields = Self.fields(phones: existing.values(of: "PHONE") + newPhones.map { "+" + $0 },
                                     emails: existing.values(of: "EMAIL") + newEmails)
            _ = try api.send("PATCH", "/api/v4/contacts/\(existing.id)", ContactChange(name: rename ? name : nil, custom_fields_values: fields),
                             as: AmoAdded.Item.self, context: context)
        }
        if companyID == nil, let company { try link("contacts", existing.id, to: company.id, context: context) }
        var contact = try contract([existing], context: context)[0]
        contact.phones += newPhones
        contact.emails += newEmails
        if rename { contact.name = name }
        if companyID == nil, let company {
            contact.company_id = String(company.id)
            contact.company = company.name
        }
        if !newPhones.isEmpty || !newEmails.isEmpty || rename { contact.updated_at = CRMClock.timestamp(CRMClock.nowMicroseconds()) }
        return contact
    }

    /// The company of that name (ignoring case), made if there is none.
    private func companyNamed(_ name: String, context: CallContext) throws -> AmoCompany {
        let found = try api.get(AmoList<AmoCompany>.self, "/api/v4/companies?limit=50&query=\(percentEncoded(name))", context: context)
        if let known = found?.items.first(where: { ($0.name ?? "").lowercased() == name.lowercased() }) { return known }
        let added = try api.send("POST", "/api/v4/companies", [["name": name]], as: AmoAdded.self, context: context)
        guard let id = added.items.first?.id else { throw PluginError(.upstream, "amoCRM added the company but answered no id") }
        return AmoCompany(id: id, name: name)
    }

    /// Links `entity` `id` to a company or contact (`POST /api/v4/{entity}/{id}/link`).
    func link(_ entity: String, _ id: Int, to target: Int, type: String = "companies", context: CallContext) throws {
        _ = try api.call("POST", "/api/v4/\(entity)/\(id)/link", body: try CRMRequests.json([EntityLink(to_entity_id: target, to_entity_type: type)]),
                         context: context)
    }

    static func fields(phones: [String], emails: [String]) -> [FieldValues] {
        var fields: [FieldValues] = []
        if !phones.isEmpty { fields.append(FieldValues(field_code: "PHONE", values: phones.map { .init(value: $0, enum_code: "WORK") })) }
        if !emails.isEmpty { fields.append(FieldValues(field_code: "EMAIL", values: emails.map { .init(value: $0, enum_code: "WORK") })) }
        return fields
    }
}

struct FieldValues: Encodable {
    struct Value: Encodable {
        let value: String
        let enum_code: String
    }

    let field_code: String
    let values: [Value]
}

private struct NewContact: Encodable {
    let name: String
    let custom_fields_values: [FieldValues]
}

private struct ContactChange: Encodable {
    let name: String?
    let custom_fields_values: [FieldValues]
}

struct EntityLink: Encodable {
    let to_entity_id: Int
    let to_entity_type: String
}
