/// HubSpot's CRM v3 request and response bodies, as its API reference documents them.

/// A CRM object as HubSpot answers it: created, read, updated or found. Property values are
/// strings (numbers and dates too) or null.
struct HubSpotObject: Decodable, Sendable {
    let id: String
    let properties: [String: String?]
    let createdAt: String?
    let updatedAt: String?
    /// Only when read with `associations=…`, and only the kinds that have some.
    let associations: [String: AssociationList]?
    /// Only when read with `propertiesWithHistory=…`; newest first.
    let propertiesWithHistory: [String: [HistoryEntry]]?

    /// The property's value, nil when absent, null or empty.
    func property(_ name: String) -> String? {
        guard let value = properties[name] ?? nil, !value.isEmpty else { return nil }
        return value
    }

    /// The ids of the associated objects of `kind` ("contacts").
    func associated(_ kind: String) -> [String] {
        var ids: [String] = []
        for reference in associations?[kind]?.results ?? [] where !ids.contains(reference.id) { ids.append(reference.id) }
        return ids
    }
}

struct AssociationList: Decodable, Sendable {
    struct Reference: Decodable, Sendable {
        let id: String
        let type: String?
    }

    let results: [Reference]
}

struct HistoryEntry: Decodable, Sendable {
    let value: String?
    let timestamp: String?
}

/// `POST /crm/v3/objects/{type}/search`: filter groups are ORed, the filters of a group ANDed.
struct SearchRequest: Encodable {
    struct Group: Encodable {
        var filters: [Filter]
    }

    struct Filter: Encodable {
        let propertyName: String
        let `operator`: String
        var value: String?
        var values: [String]?

        static func equals(_ property: String, _ value: String) -> Filter {
            Filter(propertyName: property, operator: "EQ", value: value)
        }

        static func among(_ property: String, _ values: [String]) -> Filter {
            Filter(propertyName: property, operator: "IN", values: values)
        }

        static func token(_ property: String, _ value: String) -> Filter {
            Filter(propertyName: property, operator: "CONTAINS_TOKEN", value: value)
        }
    }

    struct Sort: Encodable {
        let propertyName: String
        let direction: String
    }

    var filterGroups: [Group]
    var sorts: [Sort]
    var properties: [String]
    var limit: Int
    var after: String?
}

struct SearchPage: Decodable {
    struct Paging: Decodable {
        struct Next: Decodable {
            let after: String
        }

        let next: Next?
    }

    let total: Int?
    let results: [HubSpotObject]
    let paging: Paging?
}

/// The body of a create (`POST /crm/v3/objects/{type}`) or an update (`PATCH …/{id}`).
struct ObjectInput: Encodable {
    var properties: [String: String]
    var associations: [NewAssociation]?
}

/// An association made with the object: to object `id`, of HubSpot's type `typeID`
/// (deal→contact 3, note→contact 202, note→deal 214, task→contact 204, task→deal 216,
/// contact→company 1, the primary company).
struct NewAssociation: Encodable {
    struct Target: Encodable {
        let id: String
    }

    let to: Target
    let types: [AssociationType]

    init(to id: String, typeID: Int) {
        to = Target(id: id)
        types = [AssociationType(associationCategory: "HUBSPOT_DEFINED", associationTypeId: typeID)]
    }
}

struct AssociationType: Codable {
    let associationCategory: String
    let associationTypeId: Int
}

/// `POST /crm/v3/objects/{type}/batch/read`.
struct BatchRead: Encodable {
    struct Input: Encodable {
        let id: String
    }

    let inputs: [Input]
    let properties: [String]
}

struct BatchResults: Decodable {
    let results: [HubSpotObject]
}

/// `POST /crm/v4/associations/{from}/{to}/batch/read`: each object's associated ids.
struct AssociationBatchRead: Encodable {
    struct Input: Encodable {
        let id: String
    }

    let inputs: [Input]
}

struct AssociationBatchAnswer: Decodable {
    struct Result: Decodable {
        struct From: Decodable {
            let id: String
        }

        struct To: Decodable {
            let toObjectId: Int64
        }

        let from: From
        let to: [To]
    }

    let results: [Result]
}

/// `GET /crm/v3/pipelines/deals`.
struct PipelineList: Decodable, Sendable {
    struct Pipeline: Decodable, Sendable {
        let id: String
        let label: String?
        let displayOrder: Int?
        let stages: [Stage]
    }

    struct Stage: Decodable, Sendable {
        let id: String
        let label: String?
        let displayOrder: Int?
    }

    let results: [Pipeline]
}

/// `GET /account-info/v3/details`.
struct AccountDetails: Decodable {
    let portalId: Int64
    let timeZone: String?
}
