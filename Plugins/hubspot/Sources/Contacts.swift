import CRMKit
import Foundation
import PluginKit

/// find_contact and upsert_contact through HubSpot's contact search. HubSpot keeps phones as
/// typed, so a phone is searched in the spellings the plugin writes (`+79161234567`, the bare
/// digits, a Russian 8…) and through HubSpot's calculated international number, and every
/// result is checked by normalising its phones: only real matches come back.
extension HubSpotPlugin {
    func findContact(_ input: FindContactInput, context: CallContext) throws -> ContactsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 50, default: 10)
        switch try CRMArguments.search(input) {
        case .phone(let phone):
            return ContactsOutput(contacts: try contacts(phones: [phone], emails: [], limit: limit, context: context))
        case .email(let email):
            return ContactsOutput(contacts: try contacts(phones: [], emails: [email], limit: limit, context: context))
        case .name(let query):
            return ContactsOutput(contacts: try contacts(named: query, limit: limit, context: context))
        }
    }

    func upsertContact(_ input: UpsertContactInput, context: CallContext) throws -> UpsertContactOutput {
        let (phones, emails, name) = try input.identity()
        // The oldest contact sharing any phone or e-mail absorbs this one.
        if !phones.isEmpty || !emails.isEmpty, let existing = try contacts(phones: phones, emails: emails, limit: 1, context: context).first {
            return UpsertContactOutput(contact: try merge(into: existing.id, name: name, phones: phones, emails: emails, company: input.companyName,
                                                          context: context), created: false)
        }
        guard phones.count <= ContactMapping.phoneProperties.count else {
            throw PluginError(.invalidArgument, "HubSpot keeps two phone numbers per contact (phone and mobilephone); give at most two")
        }
        var properties = ContactMapping.nameProperties(name)
        for (property, phone) in zip(ContactMapping.phoneProperties, phones) { properties[property] = ContactMapping.written(phone) }
        if let email = emails.first { properties["email"] = email }
        var associations: [NewAssociation] = []
        if let company = input.companyName {
            properties["company"] = company
            associations.append(NewAssociation(to: try companyID(named: company, context: context), typeID: AssociationTypes.contactToPrimaryCompany))
        }
        let created: HubSpotObject
        do {
            created = try client.send(HubSpotObject.self, "POST", "/crm/v3/objects/contacts",
                                      ObjectInput(properties: properties, associations: associations.isEmpty ? nil : associations), context: context)
        } catch let error as PluginError where error.status == .invalidArgument && error.message.contains("HTTP 409") {
            // The e-mail is some contact's that the search did not show (made a moment ago): merge into it.
            guard let id = Self.existingID(error.message) else { throw error }
            return UpsertContactOutput(contact: try merge(into: id, name: name, phones: phones, emails: emails, company: input.companyName,
                                                          context: context), created: false)
        }
        for email in emails.dropFirst() { try addSecondaryEmail(email, to: created.id, context: context) }
        let contact = emails.count > 1 || input.companyName != nil ? try readContact(created.id, context: context) : ContactMapping.contact(created)
        remember(.contactCreated(contact.id))
        try publish("contact.created", ContactEvent(contact: contact), context: context)
        return UpsertContactOutput(contact: contact, created: true)
    }

    /// Adds to contact `id` the phones and e-mails it lacks, and the name and company if it has none.
    private func merge(into id: String, name: String, phones: [String], emails: [String], company: String?,
                       context: CallContext) throws -> Contact {
        let existing = try readObject(id, context: context)
        let current = ContactMapping.contact(existing)
        var properties: [String: String] = [:]
        let newPhones = phones.filter { !current.phones.contains($0) }
        let free = ContactMapping.phoneProperties.filter { existing.property($0).flatMap { try? ContactIdentity.phone($0) } == nil }
        guard newPhones.count <= free.count else {
            throw PluginError(.invalidArgument, "HubSpot keeps two phone numbers per contact (phone and mobilephone) and contact '\(id)' has "
                              + "\(current.phones.joined(separator: ", ")); leave out \(newPhones.joined(separator: ", ")) or change the contact's phones in HubSpot")
        }
        for (property, phone) in zip(free, newPhones) { properties[property] = ContactMapping.written(phone) }
        var newEmails = emails.filter { !current.emails.contains($0) }
        if existing.property("email") == nil, let first = newEmails.first {
            properties["email"] = first
            newEmails.removeFirst()
        }
        if current.name.isEmpty, !name.isEmpty { properties.merge(ContactMapping.nameProperties(name)) { $1 } }
        let companyMissing = current.company_id == nil && company != nil
        if companyMissing, let company { properties["company"] = company }
        var updated = existing
        if !properties.isEmpty {
            updated = try client.send(HubSpotObject.self, "PATCH", "/crm/v3/objects/contacts/\(percentEncoded(id))", ObjectInput(properties: properties),
                                      context: context)
        }
        for email in newEmails { try addSecondaryEmail(email, to: id, context: context) }
        if companyMissing, let company {
            let companyID = try companyID(named: company, context: context)
            _ = try client.call("PUT", "/crm/v4/objects/contact/\(percentEncoded(id))/associations/company/\(percentEncoded(companyID))",
                                body: try CRMRequests.json([AssociationType(associationCategory: "HUBSPOT_DEFINED",
                                                                            associationTypeId: AssociationTypes.contactToPrimaryCompany)]),
                                context: context)
        }
        if !newEmails.isEmpty || companyMissing { return try readContact(id, context: context) }
        return ContactMapping.contact(updated)
    }

    /// Contacts with any of `phones` or `emails`, oldest first, each checked by normalising.
    func contacts(phones: [String], emails: [String], limit: Int, context: CallContext) throws -> [Contact] {
        var groups: [SearchRequest.Group] = []
        if !phones.isEmpty {
            let spellings = phones.flatMap(ContactMapping.spellings)
            let international = phones.map { "+" + $0 }
            groups += [SearchRequest.Group(filters: [.among("phone", spellings)]), SearchRequest.Group(filters: [.among("mobilephone", spellings)]),
                       SearchRequest.Group(filters: [.among("hs_calculated_phone_number", international)]),
                       SearchRequest.Group(filters: [.among("hs_calculated_mobile_number", international)])]
        }
        if !emails.isEmpty {
            groups.append(SearchRequest.Group(filters: [.among("email", emails)]))
            groups += emails.map { SearchRequest.Group(filters: [.token("hs_additional_emails", $0)]) }
        }
        // HubSpot takes at most 5 filter groups a search.
        var found: [Contact] = []
        for start in stride(from: 0, to: groups.count, by: 5) {
            let chunk = Array(groups[start..<min(start + 5, groups.count)])
            found += try search(chunk, pages: 3, wanted: limit, context: context) { contact in
                contact.phones.contains(where: phones.contains) || contact.emails.contains(where: emails.contains)
            }
        }
        var seen = Set<String>()
        let oldestFirst = found.filter { seen.insert($0.id).inserted }.sorted { ($0.created_at, $0.id) < ($1.created_at, $1.id) }
        return Array(oldestFirst.prefix(limit))
    }

    /// Contacts whose name contains `query` (ignoring case): HubSpot is asked for names with a
    /// token containing its first word, and the whole query is checked here.
    private func contacts(named query: String, limit: Int, context: CallContext) throws -> [Contact] {
        let wanted = query.lowercased()
        let word = wanted.split(separator: " ").first.map(String.init) ?? wanted
        let groups = ["firstname", "lastname"].map { SearchRequest.Group(filters: [.token($0, "*\(word)*")]) }
        return try search(groups, pages: 5, wanted: limit, context: context) { $0.name.lowercased().contains(wanted) }
    }

    /// Up to `pages` pages of contacts matching `groups`, oldest first, kept when `keep` holds.
    private func search(_ groups: [SearchRequest.Group], pages: Int, wanted: Int, context: CallContext,
                        keep: (Contact) -> Bool) throws -> [Contact] {
        var request = SearchRequest(filterGroups: groups, sorts: [.init(propertyName: "createdate", direction: "ASCENDING")],
                                    properties: ContactMapping.properties, limit: 100)
        var kept: [Contact] = []
        for _ in 0..<pages {
            let page = try client.send(SearchPage.self, "POST", "/crm/v3/objects/contacts/search", request, search: true, context: context)
            kept += page.results.map(ContactMapping.contact).filter(keep)
            guard kept.count < wanted, let after = page.paging?.next?.after else { break }
            request.after = after
        }
        return kept
    }

    func readObject(_ id: String, context: CallContext) throws -> HubSpotObject {
        do {
            return try client.get(HubSpotObject.self, "/crm/v3/objects/contacts/\(percentEncoded(id))?properties=\(ContactMapping.properties.joined(separator: ","))",
                                  context: context)
        } catch let error as PluginError where error.status == .notFound {
            throw PluginError(.notFound, "there is no contact '\(id.prefix(64))' in HubSpot; find it with find_contact or make it with upsert_contact")
        }
    }

    func readContact(_ id: String, context: CallContext) throws -> Contact {
        ContactMapping.contact(try readObject(id, context: context))
    }

    /// HubSpot's v1 secondary e-mail endpoint: v3 has no writable list of further e-mails.
    private func addSecondaryEmail(_ email: String, to id: String, context: CallContext) throws {
        _ = try client.call("PUT", "/contacts/v1/secondary-email/\(percentEncoded(id))/email/\(percentEncoded(email))", context: context)
    }

    /// The company of that name (HubSpot compares names ignoring case), made if there is none.
    private func companyID(named name: String, context: CallContext) throws -> String {
        let request = SearchRequest(filterGroups: [SearchRequest.Group(filters: [.equals("name", name)])],
                                    sorts: [.init(propertyName: "createdate", direction: "ASCENDING")], properties: ["name"], limit: 1)
        if let known = try client.send(SearchPage.self, "POST", "/crm/v3/objects/companies/search", request, search: true, context: context).results.first {
            return known.id
        }
        return try client.send(HubSpotObject.self, "POST", "/crm/v3/objects/companies", ObjectInput(properties: ["name": name]), context: context).id
    }

    /// The id in HubSpot's 409 "Contact already exists. Existing ID: 123".
    static func existingID(_ message: String) -> String? {
        guard let range = message.range(of: "Existing ID: ") else { return nil }
        let digits = message[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }
}

/// HubSpot's association type ids (category HUBSPOT_DEFINED).
enum AssociationTypes {
    static let dealToContact = 3
    static let contactToPrimaryCompany = 1
    static let noteToContact = 202
    static let noteToDeal = 214
    static let taskToContact = 204
    static let taskToDeal = 216
}
