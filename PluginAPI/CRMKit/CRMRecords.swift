import PluginKit

/// The records every CRM plugin's tools return and events carry: the contract of docs/crm.md.
/// Absent optional fields are written as `null` (the contract's "string or null"), not left out.
public struct Contact: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Normalised: digits only, with the country code (ContactIdentity.phone).
    public var phones: [String]
    /// Lower-cased.
    public var emails: [String]
    public var company_id: String?
    public var company: String?
    public var created_at: String
    public var updated_at: String

    public init(id: String, name: String, phones: [String], emails: [String], company_id: String?, company: String?,
                created_at: String, updated_at: String) {
        self.id = id
        self.name = name
        self.phones = phones
        self.emails = emails
        self.company_id = company_id
        self.company = company
        self.created_at = created_at
        self.updated_at = updated_at
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(phones, forKey: .phones)
        try container.encode(emails, forKey: .emails)
        try container.encode(company_id, forKey: .company_id)
        try container.encode(company, forKey: .company)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(updated_at, forKey: .updated_at)
    }
}

extension Contact: JSONWritable {
    /// What `encode(to:)` writes, member for member.
    public func writeJSON(to out: inout [UInt8]) {
        out += #"{"id":"#.utf8
        PluginJSON.writeString(id, to: &out)
        out += #","name":"#.utf8
        PluginJSON.writeString(name, to: &out)
        out += #","phones":"#.utf8
        PluginJSON.writeStrings(phones, to: &out)
        out += #","emails":"#.utf8
        PluginJSON.writeStrings(emails, to: &out)
        out += #","company_id":"#.utf8
        PluginJSON.writeString(company_id, to: &out)
        out += #","company":"#.utf8
        PluginJSON.writeString(company, to: &out)
        out += #","created_at":"#.utf8
        PluginJSON.writeString(created_at, to: &out)
        out += #","updated_at":"#.utf8
        PluginJSON.writeString(updated_at, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

/// A lead; a deal in HubSpot and in Bitrix24's deal mode.
public struct Lead: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var price: Double?
    /// The pipeline's id.
    public var pipeline: String
    /// The stage's id within that pipeline.
    public var stage: String
    public var contact_ids: [String]
    public var created_at: String
    public var updated_at: String

    public init(id: String, title: String, price: Double?, pipeline: String, stage: String, contact_ids: [String],
                created_at: String, updated_at: String) {
        self.id = id
        self.title = title
        self.price = price
        self.pipeline = pipeline
        self.stage = stage
        self.contact_ids = contact_ids
        self.created_at = created_at
        self.updated_at = updated_at
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try container.encode(price, forKey: .price)
        try container.encode(pipeline, forKey: .pipeline)
        try container.encode(stage, forKey: .stage)
        try container.encode(contact_ids, forKey: .contact_ids)
        try container.encode(created_at, forKey: .created_at)
        try container.encode(updated_at, forKey: .updated_at)
    }
}

/// What a note or a task is attached to.
public enum EntityType: String, Codable, Sendable {
    case contact, lead
}

public struct Note: Codable, Sendable, Equatable {
    public var id: String
    public var entity_type: EntityType
    public var entity_id: String
    public var text: String
    public var created_at: String

    public init(id: String, entity_type: EntityType, entity_id: String, text: String, created_at: String) {
        self.id = id
        self.entity_type = entity_type
        self.entity_id = entity_id
        self.text = text
        self.created_at = created_at
    }
}

public struct CRMTask: Codable, Sendable, Equatable {
    public var id: String
    public var entity_type: EntityType
    public var entity_id: String
    public var text: String
    public var due_at: String?
    public var done: Bool
    public var created_at: String

    public init(id: String, entity_type: EntityType, entity_id: String, text: String, due_at: String?, done: Bool, created_at: String) {
        self.id = id
        self.entity_type = entity_type
        self.entity_id = entity_id
        self.text = text
        self.due_at = due_at
        self.done = done
        self.created_at = created_at
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(entity_type, forKey: .entity_type)
        try container.encode(entity_id, forKey: .entity_id)
        try container.encode(text, forKey: .text)
        try container.encode(due_at, forKey: .due_at)
        try container.encode(done, forKey: .done)
        try container.encode(created_at, forKey: .created_at)
    }
}
