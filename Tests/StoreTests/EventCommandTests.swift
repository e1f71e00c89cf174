import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import Testing

extension DatabaseTests {
    /// `market events …` and `market deliveries …` run as a user would, against DATABASE_URL.
    @Suite struct EventCommandTests {
        var market: String { buildProductsDirectory.appendingPathComponent("market").path }

        /// Under timeout(1): a tail that failed to stop must fail the test, not hang the run.
        func run(_ arguments: [String], _ fixture: BusFixture) async throws -> ProcessOutput {
            try await runProcess("timeout", ["20", market] + arguments, environment: ["DATABASE_URL": fixture.url])
        }

        @Test func tailFollowsNewEventsFilteredByTenantAndType() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm", "globex/crm"])
            let old = EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"n":0}"#)
            try await fixture.bus.publish(old)
            let tail = Task { try await run(["events", "tail", "--tenant", "acme", "--type", "lead.*", "--count", "2"], fixture) }
            // The tail prints only what comes after it started: wait until it has listened and read its starting point.
            let started = await eventually {
                let rows = try? await fixture.pool.query(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%WHERE seq > $1%' AND pid <> pg_backend_pid()")
                return rows?.isEmpty == false
            }
            #expect(started)
            let wanted = [EventEnvelope(type: "lead.won", tenantID: "acme", conversationID: "c1", data: #"{"n":1}"#),
                          EventEnvelope(type: "lead.lost", tenantID: "acme", data: #"{"n":2}"#)]
            try await fixture.bus.publish(EventEnvelope(type: "lead.won", tenantID: "globex", data: "{}"))
            try await fixture.bus.publish(EventEnvelope(type: "note.added", tenantID: "acme", data: "{}"))
            for event in wanted { try await fixture.bus.publish(event) }
            let output = try await tail.value
            #expect(output.status == 0, "\(output.stderr)")
            let lines = output.stdout.split(separator: "\n").map(String.init)
            let ids = try lines.map { line -> String? in
                guard case .string(let id)? = try JSONValue(parsing: line)["id"] else { return nil }
                return id
            }
            #expect(ids == wanted.map(\.id))
            #expect(try lines.first.map { try JSONValue(parsing: $0)["conversation_id"] } == .string("c1"))

            // --last looks back: the event from before the first tail started.
            let back = try await run(["events", "tail", "--last", "10", "--type", "lead.created", "--count", "1"], fixture)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(try JSONValue(parsing: back.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["id"] == .string(old.id))
            await fixture.shutdown()
        }

        @Test func deliveriesAreListedAndReplayed() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/crm"])
            try await fixture.bus.subscribe(Subscriber(tenantID: "acme", pluginID: "crm"), to: ["*"])
            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")
            try await fixture.bus.publish(event)
            _ = try await fixture.pool.query("UPDATE deliveries SET status = 'dead', attempts = 10, last_error = 'CRM said no'")

            let dead = try await run(["deliveries", "list", "--status", "dead"], fixture)
            #expect(dead.status == 0, "\(dead.stderr)")
            #expect(dead.stdout.contains(event.id))
            #expect(dead.stdout.contains("acme/crm"))
            #expect(dead.stdout.contains("CRM said no"))
            let none = try await run(["deliveries", "list", "--tenant", "globex"], fixture)
            #expect(none.stdout.contains("no deliveries match"))

            let replayed = try await run(["deliveries", "replay", "--dead"], fixture)
            #expect(replayed.stdout.contains("replaying 1 delivery"), "\(replayed.stderr)")
            #expect(try await fixture.rows(of: event.id)["crm"]?.status == "pending")
            #expect(try await fixture.rows(of: event.id)["crm"]?.attempts == 0)
            let again = try await run(["deliveries", "replay", event.id], fixture)
            #expect(again.stdout.contains("nothing to replay"))

            let missing = try await run(["deliveries", "replay", "evt_nope"], fixture)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("error: EVENT_NOT_FOUND"))
            #expect(missing.stderr.contains("fix: "))
            let both = try await run(["deliveries", "replay", event.id, "--dead"], fixture)
            #expect(both.status != 0)
            #expect(both.stderr.contains("either an event id or --dead"))
            let badStatus = try await run(["deliveries", "list", "--status", "lost"], fixture)
            #expect(badStatus.stderr.contains("--status must be pending, delivered or dead"))
            await fixture.shutdown()
        }

        @Test func helpListsTheSubcommandsAndOptions() async throws {
            let events = try await runProcess(market, ["events", "--help"])
            #expect(events.status == 0)
            #expect(events.stdout.contains("  tail"))
            let tail = try await runProcess(market, ["events", "tail", "--help"])
            for option in ["--tenant", "--type", "--last", "--count", "--state-dir"] { #expect(tail.stdout.contains(option), "\(option)") }
            let deliveries = try await runProcess(market, ["deliveries", "--help"])
            #expect(deliveries.stdout.contains("  list"))
            #expect(deliveries.stdout.contains("  replay"))
            let replay = try await runProcess(market, ["deliveries", "replay", "--help"])
            for option in ["<event-id>", "--dead", "--tenant", "--subscriber"] { #expect(replay.stdout.contains(option), "\(option)") }
        }
    }
}

extension DatabaseTests.EventCommandTests {
    @Test func publishSendsAnEventToTheTenantsSubscribers() async throws {
        let fixture = try await BusFixture.make(installations: ["acme/crm", "globex/crm"])
        try await fixture.bus.subscribe(Subscriber(tenantID: "acme", pluginID: "crm"), to: ["lead.*"])
        let output = try await run(["events", "publish", "lead.created", #"{"name":"Ada"}"#, "--tenant", "acme", "--id", "lead-1",
                                    "--conversation", "c7"], fixture)
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == "published lead-1 (lead.created) to tenant acme: 1 delivery\n")
        let stored = try #require(try await fixture.bus.event(id: "lead-1", tenantID: "acme")).envelope
        #expect(stored.type == "lead.created" && stored.conversationID == "c7")
        #expect(try JSONValue(parsing: stored.data) == .object(["name": .string("Ada")]))
        #expect(try await fixture.rows(of: "lead-1")["crm"]?.status == "pending")
        // The same event again publishes nothing; another event under that id is refused.
        let again = try await run(["events", "publish", "lead.created", #"{"name":"Ada"}"#, "--tenant", "acme", "--id", "lead-1",
                                   "--conversation", "c7"], fixture)
        #expect(again.status == 0 && again.stdout.contains("nothing was published again"), "\(again.stderr)")
        let other = try await run(["events", "publish", "lead.won", "--tenant", "acme", "--id", "lead-1"], fixture)
        #expect(other.status == 1 && other.stderr.contains("error: EVENT_ID_TAKEN"), "\(other.stderr)")
        await fixture.shutdown()
    }

    @Test func publishRefusesWhatTheAPIRefuses() async throws {
        let fixture = try await BusFixture.make(installations: ["acme/crm"])
        let reserved = try await run(["events", "publish", "message.sent", "--tenant", "acme"], fixture)
        #expect(reserved.status == 1 && reserved.stderr.contains("error: EVENT_INVALID") && reserved.stderr.contains("message.*"))
        let badType = try await run(["events", "publish", "Lead Created", "--tenant", "acme"], fixture)
        #expect(badType.status == 1 && badType.stderr.contains("error: EVENT_INVALID"))
        let badData = try await run(["events", "publish", "lead.created", "[1]", "--tenant", "acme"], fixture)
        #expect(badData.status == 64 && badData.stderr.contains("DATA must be a JSON object"))
        let noTenant = try await run(["events", "publish", "lead.created", "--tenant", "nobody"], fixture)
        #expect(noTenant.status == 1 && noTenant.stderr.contains("error: EVENT_INVALID"), "\(noTenant.stderr)")
        #expect(try await fixture.bus.latestSeq() == 0)
        await fixture.shutdown()
    }
}
