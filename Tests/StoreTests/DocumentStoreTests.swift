import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// `market.documents/1` on PostgreSQL.
    @Suite struct DocumentStoreTests {
        func store() async throws -> (PostgresDocumentStore, DatabasePool) {
            let pool = DatabasePool(connectionString: try await freshDatabase(migrated: true), configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            return (PostgresDocumentStore(pool: pool), pool)
        }

        @Test func documentsRoundTripAndNamespacesStayApart() async throws {
            let (store, pool) = try await store()
            let crm = KeyValueNamespace(tenantID: "acme", pluginID: "crm")
            let otherTenant = KeyValueNamespace(tenantID: "globex", pluginID: "crm")
            let otherPlugin = KeyValueNamespace(tenantID: "acme", pluginID: "notes")
            let (stored, replaced, strangers, queried, removed) = try await onThread {
                try store.put(crm, collection: "contacts", id: "c1", document: #"{"name":"Ada","phones":["79161234567"]}"#)
                let stored = try store.get(crm, collection: "contacts", id: "c1")
                try store.put(crm, collection: "contacts", id: "c1", document: #"{"name":"Ada L","phones":["79161234567"]}"#)
                let replaced = try store.get(crm, collection: "contacts", id: "c1")
                let strangers = [try store.get(otherTenant, collection: "contacts", id: "c1"), try store.get(otherPlugin, collection: "contacts", id: "c1"),
                                 try store.get(crm, collection: "leads", id: "c1")]
                let filter = DocumentQuery(filter: ["phones": .array([.string("79161234567")])])
                let queried = [try store.query(crm, collection: "contacts", filter).documents.count,
                               try store.query(otherTenant, collection: "contacts", filter).documents.count,
                               try store.query(otherPlugin, collection: "contacts", DocumentQuery()).documents.count]
                try store.remove(crm, collection: "contacts", id: "c1")
                try store.remove(crm, collection: "contacts", id: "never-there")
                return (stored, replaced, strangers, queried, try store.get(crm, collection: "contacts", id: "c1"))
            }
            #expect(try JSONValue(parsing: try #require(stored)) == .object(["name": .string("Ada"), "phones": .array([.string("79161234567")])]))
            #expect(try JSONValue(parsing: try #require(replaced))["name"] == .string("Ada L"))
            #expect(strangers == [nil, nil, nil])
            #expect(queried == [1, 0, 0], "a tenant's query never finds another tenant's or plugin's documents")
            #expect(removed == nil)
            await pool.shutdown()
        }

        @Test func queriesMatchByContainmentOrderByAFieldAndPageWithACursor() async throws {
            let (store, pool) = try await store()
            let namespace = KeyValueNamespace(tenantID: "acme", pluginID: "crm")
            let pages = try await onThread {
                // Two share a created_at: the id breaks the tie, in both directions.
                let leads = [("l1", "new", 1), ("l2", "won", 2), ("l3", "new", 3), ("l4", "new", 3), ("l5", "new", 5), ("l6", "new", 6)]
                for (id, stage, created) in leads {
                    try store.put(namespace, collection: "leads", id: id, document: #"{"stage":"\#(stage)","created":\#(created),"tags":["a"]}"#)
                }
                try store.put(KeyValueNamespace(tenantID: "globex", pluginID: "crm"), collection: "leads", id: "g1", document: #"{"stage":"new","created":9}"#)
                var pages: [[String]] = []
                for descending in [true, false] {
                    var query = DocumentQuery(filter: ["stage": .string("new"), "tags": .array([.string("a")])], orderBy: "created",
                                              descending: descending, limit: 2)
                    repeat {
                        let page = try store.query(namespace, collection: "leads", query)
                        pages.append(page.documents.map(\.id))
                        query.after = try page.next.map { try DocumentCursor(token: $0.token) }
                    } while query.after != nil
                }
                return pages
            }
            #expect(pages == [["l6", "l5"], ["l4", "l3"], ["l1"], ["l1", "l3"], ["l4", "l5"], ["l6"]])
            await pool.shutdown()
        }

        @Test func malformedQueriesAreRefusedWithWhatIsWrong() throws {
            #expect(try DocumentQuery(json: "") == DocumentQuery())
            #expect(try DocumentQuery(json: #"{"where":{"stage":"new"},"order_by":"created_at","descending":true,"limit":5}"#)
                == DocumentQuery(filter: ["stage": .string("new")], orderBy: "created_at", descending: true, limit: 5))
            let refused: [(String, String)] = [
                ("[]", "not a JSON object"), (#"{"limit":0}"#, "'limit' must be an integer from 1 to 1000"),
                (#"{"limit":1001}"#, "'limit'"), (#"{"where":[1]}"#, "'where' must be an object"),
                (#"{"order_by":""}"#, "'order_by' must be a field name"), (#"{"descending":"yes"}"#, "'descending'"),
                (#"{"cursor":"bm90IGpzb24"}"#, "pass a page's next_cursor unchanged"), (#"{"sort":"x"}"#, "unknown member 'sort'"),
                (#"{"where":{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1}}"#, "at most 8"),
            ]
            for (json, message) in refused {
                #expect(throws: DocumentQuery.Invalid.self, "\(json)") { try DocumentQuery(json: json) }
                do { _ = try DocumentQuery(json: json) } catch { #expect("\(error)".contains(message), "\(json): \(error)") }
            }
        }
    }
}
