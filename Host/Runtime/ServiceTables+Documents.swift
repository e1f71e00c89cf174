import Foundation
import Logging
import MarketCore
import MarketPluginAPI
import PluginKit

/// `market.documents/1` (ABI 1.3): offered only when the host has a document store (a server
/// with PostgreSQL); `lookup` returns NULL otherwise, so a plugin can say what it needs.
extension ServiceTables {
    nonisolated(unsafe) static let documents = table(mk_documents_v1_t(
        struct_size: UInt32(MemoryLayout<mk_documents_v1_t>.size),
        get: { host, collection, id, document in
            serve(host) { context in
                let store = try documentStore(context)
                guard let stored = try store.get(context.namespace, collection: try validCollection(collection), id: try validID(id)) else {
                    return MK_ERR_NOT_FOUND
                }
                return PluginKit.write(stored, to: document).rawValue
            }
        },
        put: { host, collection, id, document in
            serve(host) { context in
                let store = try documentStore(context)
                let (collection, id) = (try validCollection(collection), try validID(id))
                guard document.len <= DocumentLimits.maximumDocumentBytes else { return MK_ERR_TOO_LARGE }
                // PostgreSQL's jsonb holds no NUL character; refusing it here names the cause.
                let text = document.string
                guard JSONSyntax.isValid(document.buffer), text.trimmingCharacters(in: .whitespacesAndNewlines).first == "{",
                      !text.contains("\\u0000") else {
                    throw ServiceRefusal(status: MK_ERR_INVALID_ARGUMENT)
                }
                try store.put(context.namespace, collection: collection, id: id, document: text)
                return MK_OK
            }
        },
        remove: { host, collection, id in
            serve(host) { context in
                try documentStore(context).remove(context.namespace, collection: try validCollection(collection), id: try validID(id))
                return MK_OK
            }
        },
        query: { host, collection, query, page in
            serve(host) { context in
                let store = try documentStore(context)
                let collection = try validCollection(collection)
                let parsed: DocumentQuery
                do {
                    parsed = try DocumentQuery(json: query.string)
                } catch let invalid as DocumentQuery.Invalid {
                    context.logger.debug("document query refused", metadata: ["reason": .string(invalid.description)])
                    throw ServiceRefusal(status: MK_ERR_INVALID_ARGUMENT)
                }
                return PluginKit.write(try store.query(context.namespace, collection: collection, parsed).json, to: page).rawValue
            }
        }
    ))

    static func documentStore(_ context: InstanceContext) throws -> any DocumentStore {
        guard let store = context.services.documents else { throw ServiceRefusal(status: MK_ERR_UNSUPPORTED) }
        return store
    }

    static func validCollection(_ name: mk_str_t) throws -> String {
        let text = name.string
        guard DocumentLimits.isCollectionName(text) else { throw ServiceRefusal(status: MK_ERR_INVALID_ARGUMENT) }
        return text
    }

    static func validID(_ id: mk_str_t) throws -> String {
        // Ids must be valid UTF-8 without NUL: replacing bad bytes would let two ids collide.
        guard (1...DocumentLimits.maximumIDBytes).contains(id.len), let text = String(bytes: id.buffer, encoding: .utf8),
              !text.utf8.contains(0) else {
            throw ServiceRefusal(status: MK_ERR_INVALID_ARGUMENT)
        }
        return text
    }
}
