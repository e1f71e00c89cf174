import Foundation

/// A query of `market.documents/1`: equality on top-level fields (JSON containment, so an
/// array field matches a one-element array of a value it holds), one field to order by, and a
/// page size and cursor.
public struct DocumentQuery: Sendable, Equatable {
    /// Each member must be contained in the document's member of that name.
    public var filter: [String: JSONValue]
    /// The top-level field to order by; nil orders by id alone. Ties are broken by id.
    public var orderBy: String?
    public var descending: Bool
    public var limit: Int
    /// Where the previous page ended: the last document's order value and id.
    public var after: DocumentCursor?

    public init(filter: [String: JSONValue] = [:], orderBy: String? = nil, descending: Bool = false,
                limit: Int = DocumentLimits.defaultPageSize, after: DocumentCursor? = nil) {
        self.filter = filter
        self.orderBy = orderBy
        self.descending = descending
        self.limit = limit
        self.after = after
    }

    /// Reads a plugin's query object; throws `DocumentQuery.Invalid` with what is wrong.
    public init(json text: String) throws {
        guard case .object(let members) = (try? JSONValue(parsing: text.isEmpty ? "{}" : text)) ?? .null else {
            throw Invalid("the query is not a JSON object")
        }
        if let unknown = members.keys.first(where: { !["where", "order_by", "descending", "limit", "cursor"].contains($0) }) {
            throw Invalid("the query has an unknown member '\(unknown)'")
        }
        self.init()
        switch members["where"] {
        case nil, .null?: break
        case .object(let fields)?:
            guard fields.count <= DocumentLimits.maximumWhereFields else {
                throw Invalid("'where' has \(fields.count) fields; at most \(DocumentLimits.maximumWhereFields)")
            }
            guard !fields.keys.contains("") else { throw Invalid("'where' has a field with an empty name") }
            filter = fields
        default: throw Invalid("'where' must be an object of field names and values")
        }
        switch members["order_by"] {
        case nil, .null?: break
        case .string(let field)? where !field.isEmpty: orderBy = field
        default: throw Invalid("'order_by' must be a field name")
        }
        switch members["descending"] {
        case nil, .null?: break
        case .bool(let flag)?: descending = flag
        default: throw Invalid("'descending' must be true or false")
        }
        switch members["limit"] {
        case nil, .null?: break
        case let value? where value.integerValue.map({ (1...Int64(DocumentLimits.maximumPageSize)).contains($0) }) == true:
            limit = Int(value.integerValue!)
        default: throw Invalid("'limit' must be an integer from 1 to \(DocumentLimits.maximumPageSize)")
        }
        switch members["cursor"] {
        case nil, .null?: break
        case .string(let cursor)?: after = try DocumentCursor(token: cursor)
        default: throw Invalid("'cursor' must be the next_cursor of a previous page")
        }
    }

    /// A query the store refuses, with a message for the plugin's author.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }
}

/// The position after a page's last document: its value of the order field and its id,
/// handed to plugins as an opaque base64url token.
public struct DocumentCursor: Sendable, Equatable {
    public var value: JSONValue
    public var id: String

    public init(value: JSONValue, id: String) {
        self.value = value
        self.id = id
    }

    public init(token: String) throws {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              case .array(let parts)? = try? JSONValue(parsing: text), parts.count == 2, case .string(let id) = parts[1] else {
            throw DocumentQuery.Invalid("the cursor is not one this host handed out; pass a page's next_cursor unchanged")
        }
        self.init(value: parts[0], id: id)
    }

    public var token: String {
        Data(JSONValue.array([value, .string(id)]).jsonText.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One page of a query's answer.
public struct DocumentPage: Sendable {
    /// The documents as (id, JSON text), in the query's order.
    public var documents: [(id: String, document: String)]
    public var next: DocumentCursor?

    public init(documents: [(id: String, document: String)], next: DocumentCursor?) {
        self.documents = documents
        self.next = next
    }

    /// `{"documents":[{"id":…,"document":…},…],"next_cursor":…}`, as the ABI hands it out.
    public var json: String {
        let items = documents.map { "{\"id\":\(JSONValue.string($0.id).jsonText),\"document\":\($0.document)}" }
        let cursor = next.map { JSONValue.string($0.token).jsonText } ?? "null"
        return "{\"documents\":[\(items.joined(separator: ","))],\"next_cursor\":\(cursor)}"
    }
}
