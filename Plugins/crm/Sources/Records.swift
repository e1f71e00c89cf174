/// The CRM's records as stored in `market.documents/1` and returned by the tools; the field
/// names are the tool contract of docs/crm.md, shared by every CRM plugin. Absent optional
/// fields are written as `null` (the contract's "string or null"), not left out.
struct Contact: Codable {
    var id: String
    var name: String
    /// Normalised: digits only, with the country code (ContactIdentity.phone).
    var phones: [String]
    /// Lower-cased.
    var emails: [String]
    var company_id: String?
    var company: String?
    var created_at: String
    var updated_at: String

    func encode(to encoder: any Encoder) throws {
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

struct Company: Codable {
    var id: String
    var name: String
    /// The name lower-cased and trimmed: "ACME " and "acme" are one company.
    var name_key: String
    var created_at: String
}

struct Lead: Codable {
    var id: String
    var title: String
    var price: Double?
    var pipeline: String
    var stage: String
    var contact_ids: [String]
    var created_at: String
    var updated_at: String

    func encode(to encoder: any Encoder) throws {
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
enum EntityType: String, Codable {
    case contact, lead

    var collection: String { self == .contact ? "contacts" : "leads" }
}

struct Note: Codable {
    var id: String
    var entity_type: EntityType
    var entity_id: String
    var text: String
    var created_at: String
}

struct CRMTask: Codable {
    var id: String
    var entity_type: EntityType
    var entity_id: String
    var text: String
    var due_at: String?
    var done: Bool
    var created_at: String

    func encode(to encoder: any Encoder) throws {
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
