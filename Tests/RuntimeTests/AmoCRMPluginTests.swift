import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// The amocrm plugin (Swift, CRMKit), built from source and loaded with dlopen, against a
/// loopback amoCRM API v4 that answers as amoCRM documents (Tests/Fixtures/amocrm/server.py).
@Suite struct AmoCRMPluginTests {
    @Test func aContactIsMadeOnceAndEverySpellingOfItsPhoneMergesIntoIt() async throws {
        let world = try await AmoCRMWorld.start()
        let made = try await world.instance.crm("upsert_contact", #"{"name":"Ада Лавлейс","phone":"+7 (916) 123-45-67","email":"Ada@Example.com","company":"Acme"}"#,
                                                conversation: "c1")
        let id = try #require(made["id"]?.text)
        #expect(made["created"] == .bool(true) && made["merged"] == .bool(false))
        #expect(made["contact"]?["phones"] == .array([.string("79161234567")]) && made["contact"]?["emails"] == .array([.string("ada@example.com")]))
        #expect(made["contact"]?["company"]?.text == "Acme" && made["contact"]?["company_id"]?.text != nil)

        let merged = try await world.instance.crm("upsert_contact", #"{"phone":"8 916 123 45 67","email":"ada@work.example"}"#)
        #expect(merged["id"]?.text == id && merged["merged"] == .bool(true) && merged["created"] == .bool(false), "\(merged)")
        #expect(merged["contact"]?["emails"] == .array([.string("ada@example.com"), .string("ada@work.example")]))
        #expect(merged["contact"]?["name"]?.text == "Ада Лавлейс", "a name is kept, not replaced by none")

        // In amoCRM: one contact, the phone as first typed, both e-mails, linked to its company.
        let state = try await world.fake.state()
        guard case .array(let contacts)? = state["contacts"] else {
            Issue.record("the fake holds no contacts: \(state)")
            return
        }
        #expect(contacts.count == 1)
        let fields = try #require(contacts.first?["custom_fields_values"])
        #expect(fields.jsonText.contains("+79161234567") && fields.jsonText.contains("ada@work.example"), "\(fields)")
        #expect(contacts.first?["_embedded"]?["companies"]?.arrayCount == 1)

        for search in [#"{"phone":"89161234567"}"#, #"{"email":" ADA@example.com "}"#, #"{"query":"лавлейс"}"#] {
            let found = try await world.instance.crm("find_contact", search)
            #expect(found["contacts"]?.arrayCount == 1 && found["contacts"]?[0]?["id"]?.text == id, "\(search): \(found)")
            #expect(found["contacts"]?[0]?["company"]?.text == "Acme", "\(search)")
        }
        // A number that only shares digits with it is another person.
        #expect(try await world.instance.crm("find_contact", #"{"phone":"+7 916 123-45-68"}"#)["contacts"] == .array([]))

        let events = try world.published()
        #expect(events.map(\.type) == ["contact.created"], "a merge publishes nothing")
        #expect(events.first?.data["contact"]?["id"]?.text == id && world.events.events.first?.conversationID == "c1")
        await world.close()
    }

    @Test func aLeadGoesIntoAStageByIdOrNameWithItsContactsAndMovesThroughThePipeline() async throws {
        let world = try await AmoCRMWorld.start()
        let ada = try #require(try await world.instance.crm("upsert_contact", #"{"name":"Ada","phone":"+44 20 7946 0958"}"#)["id"]?.text)
        let bob = try #require(try await world.instance.crm("upsert_contact", #"{"name":"Bob","email":"bob@example.com"}"#)["id"]?.text)
        let made = try await world.instance.crm("create_lead", #"{"title":"Website","price":1500,"stage":"переговоры","contact_ids":["\#(ada)","\#(bob)"]}"#)
        let lead = try #require(made["lead"])
        #expect(lead["pipeline"]?.text == "3177727" && lead["stage"]?.text == "32392162" && lead["price"] == .integer(1500), "\(lead)")
        #expect(lead["contact_ids"] == .array([.string(ada), .string(bob)]), "the first in the complex call, the second linked")
        let id = try #require(lead["id"]?.text)

        let defaulted = try await world.instance.crm("create_lead", #"{"title":"Partner","pipeline":"3177730"}"#)
        #expect(defaulted["lead"]?["stage"]?.text == "32392170", "a pipeline's first stage, never 'unsorted'")
        let plain = try await world.instance.crm("create_lead", #"{"title":"Plain"}"#)
        #expect(plain["lead"]?["pipeline"]?.text == "3177727" && plain["lead"]?["stage"]?.text == "32392159")

        let moved = try await world.instance.crm("move_lead", #"{"lead_id":"\#(id)","stage":"142"}"#)
        #expect(moved["changed"] == .bool(true) && moved["from"]?.text == "32392162" && moved["lead"]?["stage"]?.text == "142")
        let again = try await world.instance.crm("move_lead", #"{"lead_id":"\#(id)","stage":"Успешно реализовано"}"#)
        #expect(again["changed"] == .bool(false))
        await expectRefusal("INVALID_ARGUMENT", containing: "valid stages: 32392159 (Первичный контакт), 32392162 (Переговоры), 142") {
            try await world.instance.crm("move_lead", #"{"lead_id":"\#(id)","stage":"closed"}"#)
        }
        await expectRefusal("INVALID_ARGUMENT", containing: "whole amount") {
            try await world.instance.crm("create_lead", #"{"title":"Cents","price":10.5}"#)
        }
        await expectRefusal("NOT_FOUND", containing: "find it with find_contact") {
            try await world.instance.crm("create_lead", #"{"title":"Ghost","contact_id":"999999"}"#)
        }
        await expectRefusal("NOT_FOUND", containing: "list_leads shows the leads") {
            try await world.instance.crm("move_lead", #"{"lead_id":"999999","stage":"142"}"#)
        }

        let types = try world.published().map(\.type)
        #expect(types == ["contact.created", "contact.created", "lead.created", "lead.created", "lead.created", "lead.stage_changed"], "\(types)")
        let change = try #require(try world.published().last?.data)
        #expect(change["from"]?.text == "32392162" && change["to"]?.text == "142" && change["lead"]?["id"]?.text == id)
        await world.close()
    }

    @Test func leadsListNewestFirstByPageStageAndContact() async throws {
        let world = try await AmoCRMWorld.start()
        let ada = try #require(try await world.instance.crm("upsert_contact", #"{"name":"Ada","phone":"+7 916 000-00-01"}"#)["id"]?.text)
        var ids: [String] = []
        for n in 0..<5 {
            let contact = n % 2 == 0 ? #","contact_id":"\#(ada)""# : ""
            let stage = n == 4 ? #","stage":"32392162""# : ""
            ids.append(try #require(try await world.instance.crm("create_lead", #"{"title":"L\#(n)"\#(contact)\#(stage)}"#)["lead"]?["id"]?.text))
        }
        let first = try await world.instance.crm("list_leads", #"{"limit":2}"#)
        #expect(first["leads"]?.arrayCount == 2 && first["leads"]?[0]?["id"]?.text == ids[4] && first["leads"]?[1]?["id"]?.text == ids[3])
        let cursor = try #require(first["next_cursor"]?.text)
        let second = try await world.instance.crm("list_leads", #"{"limit":2,"cursor":"\#(cursor)"}"#)
        #expect(second["leads"]?[0]?["id"]?.text == ids[2])
        let last = try await world.instance.crm("list_leads", #"{"limit":2,"cursor":"\#(try #require(second["next_cursor"]?.text))"}"#)
        #expect(last["leads"]?.arrayCount == 1 && last["next_cursor"] == .null)

        let negotiating = try await world.instance.crm("list_leads", #"{"stage":"Переговоры"}"#)
        #expect(negotiating["leads"]?.arrayCount == 1 && negotiating["leads"]?[0]?["id"]?.text == ids[4])
        let adas = try await world.instance.crm("list_leads", #"{"contact_id":"\#(ada)"}"#)
        #expect(adas["leads"].map { leads in (0..<(leads.arrayCount ?? 0)).compactMap { leads[$0]?["id"]?.text } } == [ids[4], ids[2], ids[0]])
        #expect(try await world.instance.crm("list_leads", #"{"stage":"142"}"#)["leads"] == .array([]))
        await expectRefusal("INVALID_ARGUMENT", containing: "not a next_cursor") {
            try await world.instance.crm("list_leads", #"{"cursor":"3"}"#)
        }
        await world.close()
    }

    @Test func notesAndTasksAttachToRecordsThatExist() async throws {
        let world = try await AmoCRMWorld.start()
        let lead = try #require(try await world.instance.crm("create_lead", #"{"title":"Call back"}"#)["lead"]?["id"]?.text)
        let note = try await world.instance.crm("add_note", #"{"entity_type":"lead","entity_id":"\#(lead)","text":"  Wants a demo  "}"#)
        #expect(note["note"]?["text"]?.text == "Wants a demo" && note["note"]?["entity_id"]?.text == lead)
        let task = try await world.instance.crm("add_task", #"{"entity_type":"lead","entity_id":"\#(lead)","text":"Call","due_at":"2026-03-01T12:30:00+03:00"}"#)
        #expect(task["task"]?["due_at"]?.text == "2026-03-01T09:30:00.000000Z" && task["task"]?["done"] == .bool(false))
        let undated = try await world.instance.crm("add_task", #"{"entity_type":"lead","entity_id":"\#(lead)","text":"Follow up"}"#)
        #expect(undated["task"]?["due_at"]?.text != nil, "amoCRM needs a due time; a day later by default")
        await expectRefusal("NOT_FOUND", containing: "there is no contact '424242'") {
            try await world.instance.crm("add_note", #"{"entity_type":"contact","entity_id":"424242","text":"x"}"#)
        }
        let state = try await world.fake.state()
        #expect(state["notes"]?[0]?["text"]?.text == "Wants a demo" && state["notes"]?[0]?["entity"]?.text == "leads")
        #expect(state["tasks"]?[0]?["complete_till"] == .integer(1_772_357_400) && state["tasks"]?.arrayCount == 2)
        await world.close()
    }

    @Test func aRefusedOrMissingConnectionSaysWhatToDoAndNeverShowsTheToken() async throws {
        let world = try await AmoCRMWorld.start()
        try await world.fake.replaceToken(with: "the-new-token")
        let error = await expectError(.pluginFailed) { try await world.instance.crm("find_contact", #"{"query":"x"}"#) }
        let failure = error?.underlying as? PluginCallFailure
        #expect(failure?.statusName == "UNAUTHENTICATED" && failure?.message.contains("amoCRM refused the credentials (HTTP 401: Unauthorized)") == true,
                "\(String(describing: failure))")
        #expect(failure?.message.contains("market connections") == true && failure?.message.contains(FakeAmoCRM.token) == false)

        world.credentials.set(nil)
        await expectRefusal("NOT_FOUND", containing: "market connections set amocrm --tenant acme") {
            try await world.instance.crm("find_contact", #"{"query":"x"}"#)
        }
        await world.close()
    }

    @Test func theConnectionTestReadsTheAccountAndQuotesAmoCRMsRefusal() async throws {
        let world = try await AmoCRMWorld.start()
        let good = try await world.instance.testConnection()
        #expect(good.passed && good.steps.map(\.step) == ["config", "credentials", "request"], "\(good)")
        #expect(good.steps.last?.detail.contains("account 'Acme' (id 30000001, subdomain acme)") == true)

        try await world.fake.replaceToken(with: "another")
        let refused = try await world.instance.testConnection()
        #expect(!refused.passed && refused.steps.last?.step == "request" && refused.steps.last?.detail.contains("HTTP 401") == true, "\(refused)")
        #expect(!refused.steps.contains { $0.detail.contains(FakeAmoCRM.token) })

        world.credentials.set(nil)
        let missing = try await world.instance.testConnection()
        #expect(missing.steps.map(\.step) == ["config", "credentials"] && missing.steps.last?.ok == false)
        await world.close()
    }

    @Test func amoCRMsWebhooksBecomeEventsOnceAndForgeriesAreRefused() async throws {
        let world = try await AmoCRMWorld.start()
        let ours = try #require(try await world.instance.crm("create_lead", #"{"title":"Ours"}"#)["lead"]?["id"]?.text)
        // Someone works in amoCRM itself: a lead made there, through its API.
        let made = try await runProcess("curl", ["-s", "-X", "POST", "-H", "Authorization: Bearer \(FakeAmoCRM.token)", "--data-binary",
                                                 #"[{"name":"From amoCRM","price":700}]"#, "\(world.fake.root)/api/v4/leads/complex"])
        let theirs = try #require(try JSONValue(parsing: made.stdout)[0]?["id"]?.doubleValue.map { String(Int($0)) })

        let added = try await world.hook([("leads[add][0][id]", ours), ("leads[add][0][name]", "Ours"), ("leads[add][1][id]", theirs),
                                          ("leads[add][1][name]", "From amoCRM"), ("account[subdomain]", "acme"), ("account[id]", "30000001")])
        #expect(added.status == 200)
        var events = try world.published()
        #expect(events.map(\.type) == ["lead.created", "lead.created"], "ours was published by the tool, once")
        #expect(events.last?.data["lead"]?["id"]?.text == theirs && events.last?.data["lead"]?["price"] == .integer(700))

        let moved = try await world.hook([("leads[status][0][id]", theirs), ("leads[status][0][status_id]", "32392159"),
                                          ("leads[status][0][old_status_id]", "32392156"), ("leads[status][0][pipeline_id]", "3177727"),
                                          ("account[subdomain]", "acme")])
        #expect(moved.status == 200)
        events = try world.published()
        #expect(events.last?.type == "lead.stage_changed" && events.last?.data["from"]?.text == "32392156")

        let forged = try await world.hook([("leads[add][0][id]", theirs), ("account[subdomain]", "evil")])
        #expect(try forged.status == 401 && world.published().count == events.count)
        let unsigned = try await world.hook([("leads[add][0][id]", theirs)])
        #expect(unsigned.status == 401)
        let ghost = try await world.hook([("leads[add][0][id]", "999999"), ("account[subdomain]", "acme")])
        #expect(try ghost.status == 200 && world.published().count == events.count, "an id the account does not hold publishes nothing")
        await world.close()
    }

    /// The mark that keeps amoCRM's webhook from publishing a tool's record again expires after
    /// seven days, so marks do not pile up one per record; a report that late is taken as new.
    @Test func theMarkOfARecordItPublishedExpiresAfterSevenDays() async throws {
        let world = try await AmoCRMWorld.start()
        let first = try #require(try await world.instance.crm("create_lead", #"{"title":"First"}"#)["lead"]?["id"]?.text)
        let second = try #require(try await world.instance.crm("create_lead", #"{"title":"Second"}"#)["lead"]?["id"]?.text)
        #expect(try world.published().map(\.type) == ["lead.created", "lead.created"])

        _ = try await world.hook([("leads[add][0][id]", first), ("account[subdomain]", "acme")])
        #expect(try world.published().count == 2, "within the week the mark holds")
        world.clock.advance(by: 7 * 86_400 + 1)
        _ = try await world.hook([("leads[add][0][id]", second), ("account[subdomain]", "acme")])
        let events = try world.published()
        #expect(events.map(\.type) == ["lead.created", "lead.created", "lead.created"] && events.last?.data["lead"]?["id"]?.text == second,
                "past the week the mark is gone")
        await world.close()
    }

    @Test func twoTenantsOnOneAccountStayUnderItsSevenRequestsASecondAndLoseNoCall() async throws {
        let world = try await AmoCRMWorld.start()
        let other = try await world.runtime.instantiate(world.library, tenantID: "globex",
                                                        config: #"{"subdomain":"acme","api_url":"\#(world.fake.root)"}"#)
        let started = ContinuousClock.now
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<50 {
                let instance = n % 2 == 0 ? world.instance : other
                group.addTask { try await instance.crm("find_contact", #"{"query":"n\#(n)"}"#)["contacts"]?.arrayCount ?? -1 }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        let (busiest, refused) = try await world.fake.busiestSecond()
        print("amocrm burst: 50 calls in \(elapsed), busiest second \(busiest) requests, \(refused) refused")
        #expect(answered.count == 50 && answered.allSatisfy { $0 == 0 })
        #expect(busiest <= 7 && refused == 0, "busiest second \(busiest), refused \(refused)")
        await other.close()
        await world.close()
    }
}
