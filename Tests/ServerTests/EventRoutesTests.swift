import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension ServerTests {
    /// `/v1/tenants/{tenant}/events` and `/deliveries` on a live server and a real database.
    @Suite struct EventRoutes {
        @Test func publishingIsIdempotentByIDAndRefusesTheHostsTypes() async throws {
            try await TenantAPIWorld.with { world in
                let path = "/v1/tenants/tenant-a/events"
                let first = try await world.call("POST", path, token: world.tokenA,
                                                 body: #"{"id":"order-1","type":"order.paid","conversation_id":"c1","data":{"total":3}}"#)
                #expect(first.status == 201, "\(first.text)")
                let created = try first.json()
                #expect(created["created"] as? Bool == true)
                #expect((created["event"] as? [String: Any])?["tenant_id"] as? String == "tenant-a")
                #expect(((created["event"] as? [String: Any])?["data"] as? [String: Any])?["total"] as? Int == 3)

                let again = try await world.call("POST", path, token: world.tokenA,
                                                 body: #"{"id":"order-1","type":"order.paid","conversation_id":"c1","data":{"total":3}}"#)
                #expect(again.status == 200)
                #expect(try again.json()["created"] as? Bool == false)
                let clash = try await world.call("POST", path, token: world.tokenA, body: #"{"id":"order-1","type":"order.refunded"}"#)
                #expect(clash.status == 409)
                #expect(try clash.json()["code"] as? String == "EVENT_ID_TAKEN")
                // Ids are unique per tenant: tenant B's id is free in tenant A, and nothing of B's
                // event is shown or changed.
                let other = try await world.call("POST", path, token: world.tokenA, body: #"{"id":"\#(TenantAPIWorld.eventB)","type":"lead.created"}"#)
                #expect(other.status == 201, "\(other.text)")
                #expect(try other.json()["created"] as? Bool == true)
                #expect(!other.text.contains("Ada"))
                let mine = try await world.call("GET", path + "/" + TenantAPIWorld.eventB, token: world.tokenA)
                #expect(mine.status == 200)
                #expect(!mine.text.contains("Ada"))
                let theirs = try await world.call("GET", "/v1/tenants/tenant-b/events/" + TenantAPIWorld.eventB, token: world.tokenB)
                #expect(theirs.status == 200)
                #expect(((try theirs.json()["data"] as? [String: Any])?["name"] as? String) == "Ada")

                for (body, code) in [(#"{"type":"message.received"}"#, "EVENT_INVALID"), (#"{"type":"Lead.Created"}"#, "EVENT_INVALID"),
                                     (#"{"type":"lead.*"}"#, "EVENT_INVALID"), (#"{"type":"a.b","data":[1]}"#, "EVENT_INVALID"),
                                     (#"{"type":"a.b","id":"has space"}"#, "EVENT_INVALID"), (#"{"data":{}}"#, "BAD_REQUEST"),
                                     (#"{"type":"a.b","extra":1}"#, "BAD_REQUEST")] {
                    let reply = try await world.call("POST", path, token: world.tokenA, body: body)
                    #expect(try reply.json()["code"] as? String == code, "\(body): \(reply.text)")
                    #expect(reply.status == (code == "BAD_REQUEST" ? 400 : 422), "\(body)")
                }
                let listed = try await world.call("GET", path, token: world.tokenA).json()
                #expect((listed["events"] as? [[String: Any]])?.map { $0["id"] as? String } == ["order-1", TenantAPIWorld.eventB],
                        "tenant A's own event with B's id, and nothing refused, was written")
                // Timestamps are written as event envelopes write them (docs/abi.md): with milliseconds.
                for event in listed["events"] as? [[String: Any]] ?? [] {
                    let timestamp = try #require(event["timestamp"] as? String)
                    #expect(timestamp.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(timestamp)")
                }
            }
        }

        @Test func listingFiltersByTypeAndConversationAndPages() async throws {
            try await TenantAPIWorld.with { world in
                let path = "/v1/tenants/tenant-a/events"
                for (index, type) in ["lead.created", "lead.updated", "order.paid", "lead.created"].enumerated() {
                    let conversation = index % 2 == 0 ? "c1" : "c2"
                    let reply = try await world.call("POST", path, token: world.tokenA,
                                                     body: #"{"id":"e\#(index)","type":"\#(type)","conversation_id":"\#(conversation)"}"#)
                    #expect(reply.status == 201)
                }
                func ids(_ query: String) async throws -> ([String], Int?) {
                    let page = try await world.call("GET", path + query, token: world.tokenA).json()
                    return (((page["events"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }, page["next_after"] as? Int)
                }
                #expect(try await ids("").0 == ["e0", "e1", "e2", "e3"])
                #expect(try await ids("?type=lead.*").0 == ["e0", "e1", "e3"])
                #expect(try await ids("?type=lead.created&conversation=c1").0 == ["e0"])
                let (firstPage, next) = try await ids("?limit=2")
                #expect(firstPage == ["e0", "e1"])
                let after = try #require(next)
                #expect(try await ids("?limit=2&after=\(after)").0 == ["e2", "e3"])
                let one = try await world.call("GET", path + "/e2", token: world.tokenA).json()
                #expect(one["type"] as? String == "order.paid")
                #expect(one["conversation_id"] as? String == "c1")
                let missing = try await world.call("GET", path + "/\(TenantAPIWorld.eventB)", token: world.tokenA)
                #expect(missing.status == 404, "another tenant's event is not found")
                #expect(try missing.json()["code"] as? String == "EVENT_NOT_FOUND")
                #expect(try await world.call("GET", path + "?type=Bad", token: world.tokenA).status == 400)
                let nobody = try await world.call("GET", "/v1/tenants/nobody/events", token: world.admin)
                #expect(nobody.status == 404)
                #expect(try nobody.json()["code"] as? String == "TENANT_NOT_FOUND")
            }
        }

        @Test func deliveriesAreListedAndReplayed() async throws {
            try await TenantAPIWorld.with { world in
                // notes subscribes to every event; enabling it through the API subscribes it.
                #expect(try await world.call("POST", "/v1/tenants/tenant-a/plugins/notes/enable", token: world.tokenA).status == 200)
                for index in 0..<3 {
                    let reply = try await world.call("POST", "/v1/tenants/tenant-a/events", token: world.tokenA,
                                                     body: #"{"id":"d\#(index)","type":"lead.created"}"#)
                    #expect(try reply.json()["deliveries"] as? Int == 1)
                }
                let all = try await world.call("GET", "/v1/tenants/tenant-a/deliveries", token: world.tokenA).json()
                let rows = try #require(all["deliveries"] as? [[String: Any]])
                #expect(rows.map { $0["event_id"] as? String } == ["d2", "d1", "d0"], "newest first")
                #expect(rows.allSatisfy { $0["subscriber"] as? String == "notes" && $0["status"] as? String == "pending" })
                let page = try await world.call("GET", "/v1/tenants/tenant-a/deliveries?limit=2", token: world.tokenA).json()
                let before = try #require(page["next_before"] as? Int)
                let rest = try await world.call("GET", "/v1/tenants/tenant-a/deliveries?limit=2&before=\(before)", token: world.tokenA).json()
                #expect((rest["deliveries"] as? [[String: Any]])?.map { $0["event_id"] as? String } == ["d0"])
                #expect((try await world.call("GET", "/v1/tenants/tenant-a/deliveries?status=dead", token: world.tokenA).json()["deliveries"]
                         as? [[String: Any]])?.isEmpty == true)

                // No worker runs in this server: mark one dead and one delivered as a worker would.
                try await onThread { [database = world.database] in
                    let connection = try PostgresConnection.connect(database)
                    defer { connection.close() }
                    try connection.run("UPDATE deliveries SET status = 'dead', attempts = 8, last_error = 'gave up' WHERE event_id IN ('d0', 'd1')")
                    try connection.run("UPDATE deliveries SET status = 'delivered', attempts = 1, delivered_at = now() WHERE event_id = 'd2'")
                }
                let dead = try await world.call("GET", "/v1/tenants/tenant-a/deliveries?status=dead&subscriber=notes", token: world.tokenA).json()
                #expect((dead["deliveries"] as? [[String: Any]])?.count == 2)
                let replayed = try await world.call("POST", "/v1/tenants/tenant-a/deliveries/replay", token: world.tokenA).json()
                #expect(replayed["replayed"] as? Int == 2)
                let one = try await world.call("POST", "/v1/tenants/tenant-a/events/d2/replay", token: world.tokenA).json()
                #expect(one["replayed"] as? Int == 1)
                let pending = try await world.call("GET", "/v1/tenants/tenant-a/deliveries?status=pending", token: world.tokenA).json()
                let reset = try #require(pending["deliveries"] as? [[String: Any]])
                #expect(reset.count == 3)
                #expect(reset.allSatisfy { $0["attempts"] as? Int == 0 })
                let unknown = try await world.call("POST", "/v1/tenants/tenant-a/events/\(TenantAPIWorld.eventB)/replay", token: world.tokenA)
                #expect(unknown.status == 404)
            }
        }
    }
}
