import Foundation
import PluginKit

/// The arguments and results of the CRM tools (docs/crm.md), the same for every CRM plugin.

public struct FindContactInput: Decodable, Sendable {
    public let phone: String?
    public let email: String?
    public let query: String?
    public let limit: Int?
}

// find_contact is the call a conversation makes most: read and written by hand (see JSONView).
extension FindContactInput: JSONViewDecodable {
    public init(view: JSONView) throws {
        guard view.isObject else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "The arguments are not a JSON object."))
        }
        phone = try view.optionalString("phone")
        email = try view.optionalString("email")
        query = try view.optionalString("query")
        limit = try view.optionalInt("limit")
    }
}

public struct ContactsOutput: Encodable, Sendable, JSONWritable {
    public let contacts: [Contact]
    public init(contacts: [Contact]) { self.contacts = contacts }

    public func writeJSON(to out: inout [UInt8]) {
        out += #"{"contacts":["#.utf8
        for (position, contact) in contacts.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            contact.writeJSON(to: &out)
        }
        out += "]}".utf8
    }
}

public struct UpsertContactInput: Decodable, Sendable {
    public let name: String?
    public let phone: String?
    public let phones: [String]?
    public let email: String?
    public let emails: [String]?
    public let company: String?

    /// Who the contact is: its phones and e-mails normalised without repeats, its name trimmed
    /// ("" when none). At least one of the three is required.
    public func identity() throws -> (phones: [String], emails: [String], name: String) {
        let phones = try ContactIdentity.all(self.phones, phone, ContactIdentity.phone)
        let emails = try ContactIdentity.all(self.emails, email, ContactIdentity.email)
        let name = (self.name ?? "").trimmed
        guard !phones.isEmpty || !emails.isEmpty || !name.isEmpty else {
            throw PluginError(.invalidArgument, "upsert_contact needs at least one of 'name', 'phone' / 'phones', 'email' / 'emails'")
        }
        return (phones, emails, name)
    }
    /// The company's name trimmed; nil when none (or only spaces) was given.
    public var companyName: String? {
        let trimmed = (company ?? "").trimmed
        return trimmed.isEmpty ? nil : trimmed
    }
}

public struct UpsertContactOutput: Encodable, Sendable {
    public let id: String
    public let created: Bool
    public let merged: Bool
    public let contact: Contact
    public init(contact: Contact, created: Bool) {
        id = contact.id
        self.created = created
        merged = !created
        self.contact = contact
    }
}

public struct CreateLeadInput: Decodable, Sendable {
    public let title: String
    public let price: Double?
    public let pipeline: String?
    public let stage: String?
    public let contact_id: String?
    public let contact_ids: [String]?

    /// `contact_ids` then `contact_id`, without repeats.
    public var allContactIDs: [String] {
        var ids: [String] = []
        for id in (contact_ids ?? []) + (contact_id.map { [$0] } ?? []) where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// The title trimmed, after checking it and the price.
    public func checkedTitle() throws -> String {
        let title = title.trimmed
        guard !title.isEmpty else { throw PluginError(.invalidArgument, "create_lead needs a non-empty 'title'") }
        if let price, !(price.isFinite && price >= 0) {
            throw PluginError(.invalidArgument, "'price' must be a number of 0 or more")
        }
        return title
    }
}

/// A lead as a result and as the data of `lead.created`.
public struct LeadOutput: Encodable, Sendable {
    public let lead: Lead
    public init(lead: Lead) { self.lead = lead }
}

public struct MoveLeadInput: Decodable, Sendable {
    public let lead_id: String
    public let stage: String
}

public struct MoveLeadOutput: Encodable, Sendable {
    public let lead: Lead
    public let from: String
    public let changed: Bool
    public init(lead: Lead, from: String, changed: Bool) {
        self.lead = lead
        self.from = from
        self.changed = changed
    }
}

public struct ListLeadsInput: Decodable, Sendable {
    public let pipeline: String?
    public let stage: String?
    public let contact_id: String?
    public let limit: Int?
    public let cursor: String?
}

public struct ListLeadsOutput: Encodable, Sendable {
    public let leads: [Lead]
    public let next_cursor: String?
    public init(leads: [Lead], next_cursor: String?) {
        self.leads = leads
        self.next_cursor = next_cursor
    }

    enum CodingKeys: String, CodingKey {
        case leads, next_cursor
    }

    /// `next_cursor` is `null` on the last page, not left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(leads, forKey: .leads)
        try container.encode(next_cursor, forKey: .next_cursor)
    }
}

public struct AddNoteInput: Decodable, Sendable {
    public let entity_type: EntityType
    public let entity_id: String
    public let text: String
}

public struct NoteOutput: Encodable, Sendable {
    public let note: Note
    public init(note: Note) { self.note = note }
}

public struct AddTaskInput: Decodable, Sendable {
    public let entity_type: EntityType
    public let entity_id: String
    public let text: String
    public let due_at: String?
}

public struct TaskOutput: Encodable, Sendable {
    public let task: CRMTask
    public init(task: CRMTask) { self.task = task }
}

/// The data of `contact.created`.
public struct ContactEvent: Encodable, Sendable {
    public let contact: Contact
    public init(contact: Contact) { self.contact = contact }
}

/// The data of `lead.stage_changed`.
public struct StageChange: Encodable, Sendable {
    public let lead: Lead
    public let from: String
    public let to: String
    public init(lead: Lead, from: String, to: String) {
        self.lead = lead
        self.from = from
        self.to = to
    }
}

/// Checks shared by every CRM plugin's tools.
public enum CRMArguments {
    /// `limit` if it is within 1...maximum, `fallback` when nil.
    public static func pageSize(_ limit: Int?, maximum: Int, default fallback: Int) throws -> Int {
        guard let limit else { return fallback }
        guard (1...maximum).contains(limit) else { throw PluginError(.invalidArgument, "'limit' must be from 1 to \(maximum)") }
        return limit
    }

    /// A note's or task's text, trimmed, 1 to 10000 characters.
    public static func activityText(_ raw: String, of tool: String) throws -> String {
        let text = raw.trimmed
        guard !text.isEmpty, text.count <= 10_000 else {
            throw PluginError(.invalidArgument, "\(tool) needs a 'text' of 1 to 10000 characters")
        }
        return text
    }

    /// What find_contact searches for: exactly one of a phone, an e-mail or a part of a name.
    public enum Search: Sendable, Equatable {
        case phone(String)
        case email(String)
        case name(String)
    }

    public static func search(_ input: FindContactInput) throws -> Search {
        if let phone = input.phone { return .phone(try ContactIdentity.phone(phone)) }
        if let email = input.email { return .email(try ContactIdentity.email(email)) }
        let query = (input.query ?? "").trimmed
        guard !query.isEmpty else {
            throw PluginError(.invalidArgument, "find_contact needs 'phone', 'email' or 'query' (a part of the name)")
        }
        return .name(query)
    }

    private struct CallFor: Decodable {
        let conversation_id: String?
    }

    /// The conversation a call came from, if any, for the events it publishes.
    public static func conversationID(_ context: CallContext) -> String? {
        (try? JSONDecoder().decode(CallFor.self, from: Data(context.contextJSON.utf8)))?.conversation_id
    }
}
