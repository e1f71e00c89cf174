import Foundation
import CRMKit
import PluginKit

/// find_contact and upsert_contact: one contact per person, found by any of its phones or
/// e-mails (docs/crm.md, "Deduplication").
extension CRMPlugin {
    func findContact(_ input: FindContactInput, context: CallContext) throws -> ContactsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 50, default: 10)
        let query: String
        switch try CRMArguments.search(input) {
        case .phone(let phone): return ContactsOutput(contacts: try contacts(withPhone: phone, limit: limit))
        case .email(let email): return ContactsOutput(contacts: try contacts(withEmail: email, limit: limit))
        case .name(let name): query = name.lowercased()
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
        let (phones, emails, name) = try input.identity()
        let company = try input.companyName.flatMap { try companyNamed($0) }
        let now = CRMClock.nowMicroseconds()

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
            existing.updated_at = CRMClock.timestamp(now)
            try host.putDocument(existing, in: "contacts", id: existing.id)
            return UpsertContactOutput(contact: existing, created: false)
        }
        let contact = Contact(id: CRMClock.id("ct", now), name: name, phones: phones, emails: emails, company_id: company?.id,
                              company: company?.name, created_at: CRMClock.timestamp(now), updated_at: CRMClock.timestamp(now))
        try host.putDocument(contact, in: "contacts", id: contact.id)
        try publish("contact.created", ContactEvent(contact: contact), context: context)
        return UpsertContactOutput(contact: contact, created: true)
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
        let now = CRMClock.nowMicroseconds()
        let company = Company(id: CRMClock.id("co", now), name: name, name_key: key, created_at: CRMClock.timestamp(now))
        try host.putDocument(company, in: "companies", id: company.id)
        return company
    }
}

struct NoFilter: Encodable {}

/// A contact matches when its `phones` array holds the one given.
struct PhonesFilter: Encodable {
    let phones: [String]
}

struct EmailsFilter: Encodable {
    let emails: [String]
}
