import Foundation
import MarketPluginAPI

/// One document of a collection with its id.
public struct StoredDocument<Document: Decodable>: Decodable {
    public let id: String
    public let document: Document
}

/// One page of a document query; pass `nextCursor` back for the next page (nil: the last).
public struct DocumentsPage<Document: Decodable>: Decodable {
    public let documents: [StoredDocument<Document>]
    public let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case documents
        case nextCursor = "next_cursor"
    }
}

/// `market.documents/1` (ABI 1.3): JSON documents per plugin and tenant, found by equality on
/// top-level fields. A host without a document store offers no table: every call throws
/// `.unsupported` saying so.
extension PluginHost {
    /// The document `id` of `collection` decoded as `type`; nil when there is none.
    public func document<Document: Decodable>(_ type: Document.Type, in collection: String, id: String) throws -> Document? {
        let table = try requireDocuments()
        let output = SinkBuffer()
        let status = Status(code: withBorrowedStrings([collection, id]) { names in output.withSink { table.pointee.get(raw, names[0], names[1], $0) } })
        if status == .notFound { return nil }
        try check(status, "reading document '\(id)' of '\(collection)'")
        return try JSONDecoder().decode(type, from: Data(output.bytes))
    }

    /// Stores `document` (encoded as a JSON object) as `id` of `collection`, replacing any.
    public func putDocument(_ document: some Encodable, in collection: String, id: String) throws {
        let table = try requireDocuments()
        let json = String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
        let status = withBorrowedStrings([collection, id, json]) { parts in table.pointee.put(raw, parts[0], parts[1], parts[2]) }
        try check(Status(code: status), "writing document '\(id)' of '\(collection)'")
    }

    public func removeDocument(in collection: String, id: String) throws {
        let table = try requireDocuments()
        let status = withBorrowedStrings([collection, id]) { parts in table.pointee.remove(raw, parts[0], parts[1]) }
        try check(Status(code: status), "removing document '\(id)' of '\(collection)'")
    }

    /// The documents of `collection` whose top-level fields contain `filter`'s (an encodable
    /// object; an array member matches documents whose array holds its elements), ordered by
    /// `orderBy` (then id), `limit` at a time (the host's default when nil).
    public func queryDocuments<Document: Decodable>(_ type: Document.Type, in collection: String, where filter: some Encodable,
                                                    orderBy: String? = nil, descending: Bool = false, limit: Int? = nil,
                                                    cursor: String? = nil) throws -> DocumentsPage<Document> {
        let table = try requireDocuments()
        let query = String(decoding: try JSONEncoder().encode(QueryBody(where: filter, order_by: orderBy, descending: descending,
                                                                        limit: limit, cursor: cursor)), as: UTF8.self)
        let output = SinkBuffer()
        let status = withBorrowedStrings([collection, query]) { parts in output.withSink { table.pointee.query(raw, parts[0], parts[1], $0) } }
        try check(Status(code: status), "querying '\(collection)'")
        return try JSONDecoder().decode(DocumentsPage<Document>.self, from: Data(output.bytes))
    }

    private func requireDocuments() throws -> UnsafePointer<mk_documents_v1_t> {
        guard let documentsTable else {
            throw PluginError(.unsupported, "the host offers no document store (market.documents/1, ABI 1.3); run the plugin under market serve with PostgreSQL")
        }
        return documentsTable
    }
}

/// The query object of `market.documents/1`; nil members are left out.
private struct QueryBody<Filter: Encodable>: Encodable {
    let `where`: Filter
    let order_by: String?
    let descending: Bool
    let limit: Int?
    let cursor: String?
}
