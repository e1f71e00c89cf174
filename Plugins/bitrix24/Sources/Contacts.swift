import CRMKit
import Foundation
import PluginKit

/// find_contact and upsert_contact: contacts found by phone or e-mail through Bitrix24's
/// duplicate index (`crm.duplicate.findbycomm`), read with their companies in one `batch`.
extension Bitrix24Plugin {
    /// At most this many values go into one `crm.duplicate.findbycomm` (Bitrix24's limit).
    static let valuesPerSearch = 20

    func findContact(_ input: FindContactInput, context: CallContext) throws -> ContactsOutput {
        let limit = try CRMArguments.pageSize(input.limit, maximum: 50, default: 10)
        let client = try client(context)
        let ids: [Int]
        switch try CRMArguments.search(input) {
        case .phone(let phone): ids = try duplicates(phones: [phone], emails: [], client: client, context: context)
        case .email(let email): ids = try duplicates(phones: [], emails: [email], client: client, context: context)
        case .name(let query): ids = try contactsNamed(query, client: client, context: context)
        }
        return ContactsOutput(contacts: try contacts(Array(ids.prefix(limit)), client: client, context: context))
    }

    func upsertContact(_ input: UpsertContactInput, context: CallContext) throws -> UpsertContactOutput {
        let (phones, emails, name) = try input.identity()
        let client = try client(context)
        let matches = phones.isEmpty && emails.isEmpty ? [] : try duplicates(phones: phones, emails: emails, client: client, context: context)
        // The oldest match (Bitrix24's ids grow with time); it may have gone since the search.
        if let oldest = matches.first, let existing = try contacts([oldest], client: client, context: context).first {
            var fields: [String: BitrixValue] = [:]
            let newPhones = phones.filter { !existing.phones.contains($0) }
            let newEmails = emails.filter { !existing.emails.contains($0) }
            if !newPhones.isEmpty { fields["PHONE"] = BitrixRecords.multiField(newPhones.map { "+" + $0 }) }
            if !newEmails.isEmpty { fields["EMAIL"] = BitrixRecords.multiField(newEmails) }
            if existing.name.isEmpty { fields.merge(BitrixRecords.nameFields(name)) { $1 } }
            if existing.company_id == nil, let company = input.companyName {
                fields["COMPANY_ID"] = .string(try companyID(named: company, client: client, context: context))
            }
            guard !fields.isEmpty else { return UpsertContactOutput(contact: existing, created: false) }
            let answer = try client.batch([.init("update", "crm.contact.update", [("id", .string(existing.id)), ("fields", .object(fields))])]
                                          + Self.contactReads(existing.id, key: "c"), halt: true, context: context)
            _ = try answer.result("update", method: "crm.contact.update", client: client)
            let contact = BitrixRecords.contact(try answer.result("c", method: "crm.contact.get", client: client), company: answer.results["k"])
            return UpsertContactOutput(contact: contact, created: false)
        }
        var fields = BitrixRecords.nameFields(name)
        if !phones.isEmpty { fields["PHONE"] = BitrixRecords.multiField(phones.map { "+" + $0 }) }
        if !emails.isEmpty { fields["EMAIL"] = BitrixRecords.multiField(emails) }
        if let company = input.companyName { fields["COMPANY_ID"] = .string(try companyID(named: company, client: client, context: context)) }
        let answer = try client.batch([.init("add", "crm.contact.add", [("fields", .object(fields))])] + Self.contactReads("$result[add]", key: "c"),
                                      halt: true, context: context)
        _ = try answer.result("add", method: "crm.contact.add", client: client)
        let contact = BitrixRecords.contact(try answer.result("c", method: "crm.contact.get", client: client), company: answer.results["k"])
        // Remembered so that Bitrix24's ONCRMCONTACTADD for it publishes nothing twice.
        try? host.kvPut(InboundEvents.seenKey(contact: contact.id), Array("1".utf8), expiresAfter: PublishedMarkers.lifetimeSeconds)
        try publish("contact.created", ContactEvent(contact: contact), context: context)
        return UpsertContactOutput(contact: contact, created: true)
    }

    /// The ids of the contacts with any of `phones` or `emails`, oldest first: one
    /// `crm.duplicate.findbycomm` per 20 values, all in one batch.
    func duplicates(phones: [String], emails: [String], client: Bitrix24Client, context: CallContext) throws -> [Int] {
        var commands: [Bitrix24Client.Command] = []
        func searches(_ type: String, _ values: [String]) {
            for (index, start) in stride(from: 0, to: values.count, by: Self.valuesPerSearch).enumerated() {
                let chunk = values[start..<min(values.count, start + Self.valuesPerSearch)]
                commands.append(.init("\(type.lowercased())\(index)", "crm.duplicate.findbycomm",
                                      [("entity_type", .string("CONTACT")), ("type", .string(type)), ("values", .array(chunk.map { .string($0) }))]))
            }
        }
        searches("PHONE", phones.flatMap(BitrixRecords.spellings))
        searches("EMAIL", emails)
        guard !commands.isEmpty else { return [] }
        var found: Set<Int> = []
        for chunk in stride(from: 0, to: commands.count, by: Bitrix24Client.batchLimit).map({ Array(commands[$0..<min(commands.count, $0 + Bitrix24Client.batchLimit)]) }) {
            let answer = try client.batch(chunk, halt: false, context: context)
            for command in chunk {
                let result = try answer.result(command.key, method: "crm.duplicate.findbycomm", client: client)
                for id in result["CONTACT"]?.items ?? [] { if let number = id.text.flatMap(Int.init) { found.insert(number) } }
            }
        }
        return found.sorted()
    }

    /// The ids of the contacts whose name contains `query` (Bitrix24's LIKE ignores case),
    /// oldest first: by first, middle or last name, or "first last" split over both.
    private func contactsNamed(_ query: String, client: Bitrix24Client, context: CallContext) throws -> [Int] {
        func list(_ key: String, _ filter: [String: BitrixValue]) -> Bitrix24Client.Command {
            .init(key, "crm.contact.list", [("filter", .object(filter)), ("order", .object(["ID": .string("ASC")])), ("select", .array([.string("ID")]))])
        }
        var commands = [list("name", ["%NAME": .string(query)]), list("second", ["%SECOND_NAME": .string(query)]),
                        list("last", ["%LAST_NAME": .string(query)])]
        let words = query.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        if words.count == 2 {
            commands.append(list("full", ["%NAME": .string(String(words[0])), "%LAST_NAME": .string(words[1].trimmingCharacters(in: .whitespaces))]))
        }
        let answer = try client.batch(commands, halt: false, context: context)
        var found: Set<Int> = []
        for command in commands {
            for item in try answer.result(command.key, method: "crm.contact.list", client: client).items {
                if let id = item["ID"]?.text.flatMap(Int.init) { found.insert(id) }
            }
        }
        return found.sorted()
    }

    /// The contacts of `ids` with their companies' names, in the order given; ids that name
    /// no contact are left out. 25 contacts (50 commands) per request.
    func contacts(_ ids: [Int], client: Bitrix24Client, context: CallContext) throws -> [Contact] {
        var contacts: [Contact] = []
        let perBatch = Bitrix24Client.batchLimit / 2
        for start in stride(from: 0, to: ids.count, by: perBatch) {
            let chunk = Array(ids[start..<min(ids.count, start + perBatch)])
            let commands = chunk.enumerated().flatMap { index, id in Self.contactReads(String(id), key: "c\(index)") }
            let answer = try client.batch(commands, halt: false, context: context)
            for index in chunk.indices {
                guard let fields = answer.results["c\(index)"] else {
                    if let refusal = answer.failed("c\(index)"), !refusal.isNotFound { throw client.failure(of: "crm.contact.get", refusal) }
                    continue
                }
                contacts.append(BitrixRecords.contact(fields, company: answer.results["k\(index)"]))
            }
        }
        return contacts
    }

    /// Reads a contact (`key`) and its company (`k…`, which fails harmlessly when it has none).
    static func contactReads(_ id: String, key: String) -> [Bitrix24Client.Command] {
        [.init(key, "crm.contact.get", [("id", .string(id))]),
         .init("k" + key.dropFirst(), "crm.company.get", [("id", .string("$result[\(key)][COMPANY_ID]"))])]
    }

    /// The company named `name` (the oldest of that title), made when there is none.
    private func companyID(named name: String, client: Bitrix24Client, context: CallContext) throws -> String {
        let found = try client.call("crm.company.list", ["filter": .object(["TITLE": .string(name)]), "order": .object(["ID": .string("ASC")]),
                                                         "select": .array([.string("ID")])], context: context)
        if let id = found["result"]?.items.first?["ID"]?.text { return id }
        let made = try client.call("crm.company.add", ["fields": .object(["TITLE": .string(name)])], context: context)
        guard let id = made["result"]?.text else { throw PluginError(.upstream, "Bitrix24 answered crm.company.add without an id") }
        return id
    }
}
