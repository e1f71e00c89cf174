import Foundation
import PluginKit

/// find_contact and upsert_contact: one contact per person, found by any of its phones or
/// e-mails (docs/crm.md, "Deduplication").
extension CRMPlugin {
    struct FindContactInput: Decodable {
        let phone: String?
        let email: String?
        let query: String?
        let limit: Int?
    }

    struct ContactsOutput: Encodable {
        let contacts: [Contact]
    }

    struct UpsertContactInput: Decodable {
        let name: String?
        let phone: String?
        let phones: [String]?
        let email: String?
        let emails: [String]?
        let company: String?
    }

    struct UpsertContactOutput: Encodable {
        let id: String
        let created: Bool
        let merged: Bool
        let contact: Contact
    }

    func findContact(_ input: FindContactInput) throws -> ContactsOutput {
        let limit = try pageSize(input.limit, maximum: 50, default: 10)
        if let phone = input.phone {
            return ContactsOutput(contacts: try contacts(withPhone: try ContactIdentity.phone(phone), limit: limit))
        }
        if let email = input.email {
            return ContactsOutput(contacts: try contacts(withEmail: try ContactIdentity.email(email), limit: limit))
        }
        let query = (input.query ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard !query.isEmpty else {
            throw PluginError(.invalidArgument, "find_contact needs 'phone', 'email' or 'query' (a part of the name)")
        }
        // A name part cannot be an equality: the contacts are read a page at a time, oldest first.
        var found: [Contact] = []
        var cursor: String?
        repeat {
            let page = try host.queryDocuments(Contact.self, in: "contacts", where: NoFilter(), orderBy: "created_at", limit: 500, cursor: cursor)
            found += page.documents.map(\.document).filter { $0.name.lowercased().contains(query) }
            cursor = page.nextCursor
        } while cursor != nil && found.count < limit
        return ContactsOutput(contacts: Array(found.prefix(limit)))
    }

    func upsertContact(_ input: UpsertContactInput, context: CallContext) throws -> UpsertContactOutput {
        let phones = try ContactIdentity.all(input.phones, input.phone, ContactIdentity.phone)
        let emails = try ContactIdentity.all(input.emails, input.email, ContactIdentity.email)
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !phones.isEmpty || !emails.isEmpty || !name.isEmpty else {
            throw PluginError(.invalidArgument, "upsert_contact needs a 'name', a 'phone' or an 'email'")
        }
        let company = try input.company.flatMap { try companyNamed($0) }
        let now = Clock.nowMicroseconds()

        // The oldest contact sharing any phone or e-mail absorbs this one.
        var matches: [Contact] = []
        for phone in phones { matches += try contacts(withPhone: phone, limit: 1) }
        for email in emails { matches += try contacts(withEmail: email, limit: 1) }
        if var existing = matches.min(by: { ($0.created_at, $0.id) < ($1.created_at, $1.id) }) {
            existing.phones += phones.filter { !existing.phones.contains($0) }
            existing.emails += emails.filter { !existing.emails.contains($0) }
            if existing.name.isEmpty { existing.name = name }
            if existing.company_id == nil, let company {
                existing.company_id = company.id
                existing.company = company.name
            }
            existing.updated_at = Clock.timestamp(now)
            try host.putDocument(existing, in: "contacts", id: existing.id)
            return UpsertContactOutput(id: existing.id, created: false, merged: true, contact: existing)
        }
        let contact = Contact(id: Clock.id("ct", now), name: name, phones: phones, emails: emails, company_id: company?.id,
                              company: company?.name, created_at: Clock.timestamp(now), updated_at: Clock.timestamp(now))
        try host.putDocument(contact, in: "contacts", id: contact.id)
        try publish("contact.created", ContactEvent(contact: contact), context: context)
        return UpsertContactOutput(id: contact.id, created: true, merged: false, contact: contact)
    }

    func contacts(withPhone phone: String, limit: Int) throws -> [Contact] {
        try host.queryDocuments(Contact.self, in: "contacts", where: PhonesFilter(phones: [phone]), orderBy: "created_at", limit: limit)
            .documents.map(\.document)
    }

    func contacts(withEmail email: String, limit: Int) throws -> [Contact] {
        try host.queryDocuments(Contact.self, in: "contacts", where: EmailsFilter(emails: [email]), orderBy: "created_at", limit: limit)
            .documents.map(\.document)
    }

    /// The company of that name (ignoring case and outer spaces), made if there is none.
    private func companyNamed(_ raw: String) throws -> Company? {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { return nil }
        let key = name.lowercased()
        if let known = try host.queryDocuments(Company.self, in: "companies", where: ["name_key": key], limit: 1).documents.first {
            return known.document
        }
        let now = Clock.nowMicroseconds()
        let company = Company(id: Clock.id("co", now), name: name, name_key: key, created_at: Clock.timestamp(now))
        try host.putDocument(company, in: "companies", id: company.id)
        return company
    }
}

struct ContactEvent: Encodable {
    let contact: Contact
}

struct NoFilter: Encodable {}

/// A contact matches when its `phones` array holds the one given.
struct PhonesFilter: Encodable {
    let phones: [String]
}

struct EmailsFilter: Encodable {
    let emails: [String]
}
