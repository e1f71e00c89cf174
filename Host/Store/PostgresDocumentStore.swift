import MarketCore

/// `market.documents/1` in PostgreSQL's `plugin_documents` table, one namespace per (tenant,
/// plugin); every statement names both, so no query reaches another tenant's rows.
///
/// Calls come from plugin threads and block them while the pool's connection does the work;
/// they never run on the cooperative pool.
public final class PostgresDocumentStore: DocumentStore {
    private let pool: DatabasePool

    /// - Parameter pool: a pool on a database the migrations have been applied to.
    public init(pool: DatabasePool) {
        self.pool = pool
    }

    public func get(_ namespace: KeyValueNamespace, collection: String, id: String) throws -> String? {
        try pool.withConnectionBlocking { connection in
            try connection.prepared("""
                SELECT document::text AS document FROM plugin_documents
                WHERE tenant_id = $1 AND plugin_id = $2 AND collection = $3 AND id = $4
                """, [namespace.tenantID, namespace.pluginID, collection, id])
                .first?.decode("document", as: String.self)
        }
    }

    public func put(_ namespace: KeyValueNamespace, collection: String, id: String, document: String) throws {
        _ = try pool.withConnectionBlocking { connection in
            try connection.prepared("""
                INSERT INTO plugin_documents (tenant_id, plugin_id, collection, id, document) VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (tenant_id, plugin_id, collection, id) DO UPDATE SET document = excluded.document, updated_at = now()
                """, [namespace.tenantID, namespace.pluginID, collection, id, document])
        }
    }

    public func remove(_ namespace: KeyValueNamespace, collection: String, id: String) throws {
        _ = try pool.withConnectionBlocking { connection in
            try connection.prepared("DELETE FROM plugin_documents WHERE tenant_id = $1 AND plugin_id = $2 AND collection = $3 AND id = $4",
                                    [namespace.tenantID, namespace.pluginID, collection, id])
        }
    }

    public func query(_ namespace: KeyValueNamespace, collection: String, _ query: DocumentQuery) throws -> DocumentPage {
        var parameters: [any PostgresEncodable] = [namespace.tenantID, namespace.pluginID, collection, JSONValue.object(query.filter)]
        func parameter(_ value: any PostgresEncodable) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        // A document without the field sorts as JSON null, which jsonb orders before any value.
        let key = query.orderBy.map { "COALESCE(document -> \(parameter($0)), 'null'::jsonb)" } ?? "'null'::jsonb"
        let direction = query.descending ? "DESC" : "ASC"
        var sql = """
            SELECT id, document::text AS document, (\(key))::text AS sort_key FROM plugin_documents
            WHERE tenant_id = $1 AND plugin_id = $2 AND collection = $3 AND document @> $4
            """
        if let after = query.after {
            sql += " AND (\(key), id) \(query.descending ? "<" : ">") (\(parameter(after.value))::jsonb, \(parameter(after.id)))"
        }
        // One row past the page says whether there is a next one.
        sql += " ORDER BY \(key) \(direction), id \(direction) LIMIT \(parameter(query.limit + 1))"
        let rows = try pool.withConnectionBlocking { connection in
            try connection.prepared(sql, parameters).map { row in
                (id: try row.decode("id", as: String.self), document: try row.decode("document", as: String.self),
                 key: try row.decode("sort_key", as: String.self))
            }
        }
        let page = Array(rows.prefix(query.limit))
        var next: DocumentCursor?
        if rows.count > query.limit, let last = page.last {
            next = DocumentCursor(value: try JSONValue(parsing: last.key), id: last.id)
        }
        return DocumentPage(documents: page.map { (id: $0.id, document: $0.document) }, next: next)
    }
}
