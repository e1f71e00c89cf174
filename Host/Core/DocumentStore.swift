/// Where `market.documents/1` keeps its data. Calls block and come from plugin threads.
///
/// Every document lives in a namespace (tenant, plugin) and a collection; implementations keep
/// namespaces apart, so a tenant's documents are never another tenant's query results.
public protocol DocumentStore: Sendable {
    /// The document's JSON text, or nil when there is none.
    func get(_ namespace: KeyValueNamespace, collection: String, id: String) throws -> String?
    /// Stores `document` (a JSON object), replacing any document with that id.
    func put(_ namespace: KeyValueNamespace, collection: String, id: String, document: String) throws
    func remove(_ namespace: KeyValueNamespace, collection: String, id: String) throws
    /// One page of the documents that match `query`, in its order.
    func query(_ namespace: KeyValueNamespace, collection: String, _ query: DocumentQuery) throws -> DocumentPage
}

/// Limits that every document store enforces the same way (docs/abi.md, "market.documents/1").
public enum DocumentLimits {
    public static let maximumIDBytes = 256
    public static let maximumDocumentBytes = 1 << 20
    public static let maximumWhereFields = 8
    public static let defaultPageSize = 50
    public static let maximumPageSize = 1_000

    /// 1–64 characters of `a-z 0-9 _ . -`: collections are names a plugin chooses, not data.
    public static func isCollectionName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }
}
