import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// The bitrix24 plugin (Swift, PluginKit, CRMKit), built and loaded with dlopen, against a
/// loopback Bitrix24 portal that checks the webhook or OAuth2 token, runs `batch`, and
/// enforces Bitrix24's leaky bucket (Tests/Fixtures/bitrix24/server.py).
@Suite struct Bitrix24PluginTests {
    @Test func contactsAreFoundAndMergedByAnySpellingOfAPhoneOrEmail() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let crm = try await world.instance(fake)
        // A person typed this contact in Bitrix24 the Russian domestic way.
        let seeded = try await fake.seed(#"{"contacts":[{"NAME":"Ivan","LAST_NAME":"Petrov","PHONE":[{"VALUE":"8 (916) 123-45-67","VALUE_TYPE":"MOBILE"}]}]}"#)
        let ivan = try #require(seeded["contacts"]?.bitrixItems.first?.doubleValue.map { String(Int($0)) })

        let made = try await crm.crm("upsert_contact", #"{"name":"Ada Lovelace","phone":"+44 20 7946 0958","email":"Ada@Example.com","company":"Analytical Engines"}"#,
                                     conversation: "conv-1")
        #expect(made["created"] == .bool(true) && made["merged"] == .bool(false), "\(made)")
        let ada = try #require(made["contact"])
        let adaID = try #require(made["id"]?.text)
        #expect(ada["id"]?.text == adaID && ada["name"]?.text == "Ada Lovelace")
        #expect(ada["phones"] == .array([.string("442079460958")]) && ada["emails"] == .array([.string("ada@example.com")]))
        #expect(ada["company"]?.text == "Analytical Engines" && ada["company_id"]?.text != nil, "\(ada)")
        // The portal's +03:00 time in the contract's UTC form.
        #expect(ada["created_at"]?.text?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil, "\(ada)")
        let created = try world.published("contact.created")
        #expect(created.count == 1 && created.first?["contact"] == ada)
        #expect(world.events.events.first?.conversationID == "conv-1")

        // +7 spelling of Ivan's 8-number merges into him: phones and e-mails become the union, his name stays.
        let merged = try await crm.crm("upsert_contact", #"{"name":"Someone Else","phones":["+7 916 123-45-67"],"email":"ivan@petrov.ru"}"#)
        #expect(merged["id"]?.text == ivan && merged["merged"] == .bool(true) && merged["created"] == .bool(false), "\(merged)")
        #expect(merged["contact"]?["name"]?.text == "Ivan Petrov")
        #expect(merged["contact"]?["phones"] == .array([.string("79161234567")]) && merged["contact"]?["emails"] == .array([.string("ivan@petrov.ru")]))
        #expect(try world.published("contact.created").count == 1, "a merge is not a creation")

        // Found by every kind of search, in the contract's shape.
        for search in [#"{"phone":"89161234567"}"#, #"{"email":"IVAN@petrov.ru "}"#, #"{"query":"petr"}"#, #"{"query":"ivan petrov"}"#] {
            let found = try await crm.crm("find_contact", search)
            #expect(found["contacts"]?.bitrixItems.map { $0["id"]?.text } == [ivan], "\(search): \(found)")
        }
        let both = try await crm.crm("find_contact", #"{"query":"a"}"#)
        #expect(both["contacts"]?.bitrixItems.compactMap { $0["id"]?.text } == [ivan, adaID], "oldest first: \(both)")
        #expect(try await crm.crm("find_contact", #"{"phone":"+1 555 0100"}"#)["contacts"] == .array([]))
        await expectRefusal("INVALID_ARGUMENT", containing: "give 5 to 15 digits") { try await crm.crm("find_contact", #"{"phone":"12"}"#) }

        // What a person typed into a phone or e-mail field that is none stays out of the contract's lists.
        let typed = try await fake.seed(#"{"contacts":[{"NAME":"Typed","LAST_NAME":"ByHand","PHONE":[{"VALUE":"call the office"},{"VALUE":"12"},{"VALUE":"+7 916 000-00-01"}],"EMAIL":[{"VALUE":"none"},{"VALUE":" Typed@Example.com "}]}]}"#)
        #expect(typed["contacts"]?.bitrixItems.count == 1)
        let byHand = try await crm.crm("find_contact", #"{"query":"byhand"}"#)["contacts"]?.bitrixItems.first
        #expect(byHand?["phones"] == .array([.string("79160000001")]) && byHand?["emails"] == .array([.string("typed@example.com")]), "\(String(describing: byHand))")

        // Upsert's searches went out as one batch of crm.duplicate.findbycomm.
        let log = try await fake.log()
        let searches = log.requests.filter { $0.commands.contains("crm.duplicate.findbycomm") }
        #expect(searches.contains { $0.commands.filter { $0 == "crm.duplicate.findbycomm" }.count == 2 }, "phones and e-mails searched in one request")
        #expect(log.rejected == 0)
        await world.close(crm)
    }

    @Test func leadsAreCreatedMovedAndListedNewestFirst() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let crm = try await world.instance(fake)
        let contact = try #require(try await crm.crm("upsert_contact", #"{"name":"Ada","phone":"+7 916 000-00-01"}"#)["id"]?.text)

        let first = try #require(try await crm.crm("create_lead", #"{"title":"Website","price":1500.5,"contact_id":"\#(contact)"}"#, conversation: "c9")["lead"])
        #expect(first["pipeline"]?.text == "0" && first["stage"]?.text == "NEW" && first["price"]?.doubleValue == 1500.5, "\(first)")
        #expect(first["contact_ids"] == .array([.string(contact)]) && first["title"]?.text == "Website")
        #expect(try world.published("lead.created").map { $0["lead"] } == [first])
        let wholesale = try #require(try await crm.crm("create_lead", #"{"title":"Bulk","pipeline":"1","stage":"won"}"#)["lead"])
        #expect(wholesale["pipeline"]?.text == "1" && wholesale["stage"]?.text == "C1:WON" && wholesale["contact_ids"] == .array([]), "\(wholesale)")

        await expectRefusal("INVALID_ARGUMENT", containing: "stage 'closed' is not in pipeline '0'; valid stages: NEW, PREPARATION") {
            try await crm.crm("create_lead", #"{"title":"x","stage":"closed"}"#)
        }
        await expectRefusal("INVALID_ARGUMENT", containing: "there is no pipeline 'retail'; the pipelines are: 0 (General), 1 (Wholesale)") {
            try await crm.crm("create_lead", #"{"title":"x","pipeline":"retail"}"#)
        }
        await expectRefusal("NOT_FOUND", containing: "there is no contact '999'; find it with find_contact") {
            try await crm.crm("create_lead", #"{"title":"x","contact_ids":["999"]}"#)
        }
        let id = try #require(first["id"]?.text)
        let same = try await crm.crm("move_lead", #"{"lead_id":"\#(id)","stage":"NEW"}"#)
        #expect(same["changed"] == .bool(false) && same["from"]?.text == "NEW")
        #expect(try world.published("lead.stage_changed").isEmpty, "no move, no event")
        let moved = try await crm.crm("move_lead", #"{"lead_id":"\#(id)","stage":"Won"}"#)
        #expect(moved["changed"] == .bool(true) && moved["from"]?.text == "NEW" && moved["lead"]?["stage"]?.text == "WON", "\(moved)")
        let change = try #require(try world.published("lead.stage_changed").first)
        #expect(change["from"]?.text == "NEW" && change["to"]?.text == "WON" && change["lead"]?["id"]?.text == id)
        await expectRefusal("INVALID_ARGUMENT", containing: "valid stages: C1:NEW, C1:PREPARATION, C1:WON, C1:LOSE") {
            try await crm.crm("move_lead", #"{"lead_id":"\#(wholesale["id"]?.text ?? "")","stage":"EXECUTING"}"#)
        }
        await expectRefusal("NOT_FOUND", containing: "there is no lead '4242'; find it with list_leads") {
            try await crm.crm("move_lead", #"{"lead_id":"4242","stage":"WON"}"#)
        }

        // Five more, then pages of two, newest first, each cursor passed back unchanged.
        for n in 1...5 { _ = try await crm.crm("create_lead", #"{"title":"Lead \#(n)","contact_ids":["\#(contact)"]}"#) }
        var titles: [String] = []
        var cursor: String?
        repeat {
            let page = try await crm.crm("list_leads", #"{"limit":2\#(cursor.map { #","cursor":"\#($0)""# } ?? "")}"#)
            titles += page["leads"]?.bitrixItems.compactMap { $0["title"]?.text } ?? []
            cursor = page["next_cursor"]?.text
            #expect(page["next_cursor"] != nil, "next_cursor is null, not absent")
        } while cursor != nil && titles.count < 20
        #expect(titles == ["Lead 5", "Lead 4", "Lead 3", "Lead 2", "Lead 1", "Bulk", "Website"], "\(titles)")
        let won = try await crm.crm("list_leads", #"{"stage":"WON"}"#)
        #expect(won["leads"]?.bitrixItems.compactMap { $0["id"]?.text } == [id] && won["next_cursor"] == .null, "\(won)")
        let ofContact = try await crm.crm("list_leads", #"{"contact_id":"\#(contact)","limit":3}"#)
        #expect(ofContact["leads"]?.bitrixItems.allSatisfy { $0["contact_ids"] == .array([.string(contact)]) } == true)
        #expect(ofContact["leads"]?.bitrixItems.count == 3 && ofContact["next_cursor"]?.text != nil)
        await expectRefusal("INVALID_ARGUMENT", containing: "'cursor' is not a next_cursor of list_leads") {
            try await crm.crm("list_leads", #"{"cursor":"page-2"}"#)
        }
        #expect(try await fake.log().rejected == 0)
        await world.close(crm)
    }

    @Test func notesAndTasksGoOnTheTimelineAndToTheResponsiblePerson() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let crm = try await world.instance(fake)
        let seeded = try await fake.seed(#"{"deals":[{"TITLE":"Seeded","STAGE_ID":"PREPARATION"}]}"#)
        let deal = try #require(seeded["deals"]?.bitrixItems.first?.doubleValue.map { String(Int($0)) })
        let contact = try #require(try await crm.crm("upsert_contact", #"{"email":"ada@example.com"}"#)["id"]?.text)

        let note = try #require(try await crm.crm("add_note", #"{"entity_type":"lead","entity_id":"\#(deal)","text":"  Called, wants a demo  "}"#)["note"])
        #expect(note["entity_type"]?.text == "lead" && note["entity_id"]?.text == deal && note["text"]?.text == "Called, wants a demo", "\(note)")
        #expect(note["id"]?.text != nil && note["created_at"]?.text?.hasSuffix("Z") == true)
        _ = try await crm.crm("add_note", #"{"entity_type":"contact","entity_id":"\#(contact)","text":"Prefers e-mail"}"#)
        let comments = try await fake.records()["comment"]?.bitrixItems ?? []
        #expect(comments.map { "\($0["ENTITY_TYPE"]?.text ?? "")/\($0["COMMENT"]?.text ?? "")" } == ["deal/Called, wants a demo", "contact/Prefers e-mail"])

        let task = try #require(try await crm.crm("add_task", #"{"entity_type":"lead","entity_id":"\#(deal)","text":"Send the offer\nwith prices","due_at":"2026-03-01T12:30:00+03:00"}"#)["task"])
        #expect(task["due_at"]?.text == "2026-03-01T09:30:00.000000Z" && task["done"] == .bool(false) && task["text"]?.text == "Send the offer\nwith prices", "\(task)")
        let stored = try #require(try await fake.records()["task"]?.bitrixItems.first)
        #expect(stored["title"]?.text == "Send the offer" && stored["ufCrmTask"] == .array([.string("D_\(deal)")]))
        #expect(stored["responsibleId"]?.text == "7", "the deal's responsible person (the seeding user), not the webhook's")
        let undated = try #require(try await crm.crm("add_task", #"{"entity_type":"contact","entity_id":"\#(contact)","text":"Call back"}"#)["task"])
        #expect(undated["due_at"] == .null && undated["entity_type"]?.text == "contact")

        await expectRefusal("NOT_FOUND", containing: "there is no lead '777'") {
            try await crm.crm("add_note", #"{"entity_type":"lead","entity_id":"777","text":"x"}"#)
        }
        await expectRefusal("NOT_FOUND", containing: "there is no contact 'ct_1'") {
            try await crm.crm("add_task", #"{"entity_type":"contact","entity_id":"ct_1","text":"x"}"#)
        }
        await expectRefusal("INVALID_ARGUMENT", containing: "due_at 'tomorrow' is not an ISO 8601 time") {
            try await crm.crm("add_task", #"{"entity_type":"contact","entity_id":"\#(contact)","text":"x","due_at":"tomorrow"}"#)
        }
        #expect(try await fake.records()["comment"]?.bitrixItems.count == 2, "a refused note made nothing")
        await world.close(crm)
    }

    @Test func leadModeUsesBitrixLeadsThroughOAuth() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start(credential: FakeBitrix24.oauthToken)
        let crm = try await world.instance(fake, settings: #""entity":"lead""#)
        let lead = try #require(try await crm.crm("create_lead", #"{"title":"Inbound call"}"#)["lead"])
        #expect(lead["pipeline"]?.text == "leads" && lead["stage"]?.text == "NEW" && lead["price"]?.doubleValue == 0, "\(lead)")
        let moved = try await crm.crm("move_lead", #"{"lead_id":"\#(lead["id"]?.text ?? "")","stage":"in_process"}"#)
        #expect(moved["lead"]?["stage"]?.text == "IN_PROCESS")
        let listed = try await crm.crm("list_leads", #"{"pipeline":"leads"}"#)
        #expect(listed["leads"]?.bitrixItems.compactMap { $0["id"]?.text } == [lead["id"]?.text].compactMap { $0 })
        _ = try await crm.crm("add_note", #"{"entity_type":"lead","entity_id":"\#(lead["id"]?.text ?? "")","text":"x"}"#)
        let records = try await fake.records()
        #expect(records["lead"]?.bitrixItems.count == 1 && records["deal"]?.bitrixItems.isEmpty == true)
        #expect(records["comment"]?.bitrixItems.first?["ENTITY_TYPE"]?.text == "lead")
        let methods = Set(try await fake.log().requests.map(\.method))
        #expect(methods.isSubset(of: ["batch", "crm.status.list", "crm.contact.list"]) && methods.contains("batch"), "OAuth2 calls go to /rest/<method>: \(methods)")
        await world.close(crm)
    }

    @Test func refusalsNameTheFixAndNeverTheSecret() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start(credential: "1/wrong0canary")
        let crm = try await world.instance(fake)
        await expectRefusal("UNAUTHENTICATED", containing: "INVALID_CREDENTIALS: Invalid request credentials") {
            try await crm.crm("find_contact", #"{"email":"a@b.cd"}"#)
        }
        await expectRefusal("UNAUTHENTICATED", containing: "reconnect with `market connections set`") {
            try await crm.crm("list_leads", "{}")
        }
        do {
            _ = try await crm.crm("list_leads", "{}")
            Issue.record("a wrong webhook secret was accepted")
        } catch {
            #expect(!"\(error)".contains("canary"), "\(error)")
        }
        // A portal that cannot be reached: the host's message names the URL, which holds the secret.
        let closed = try await world.runtime.instantiate(world.library, tenantID: "hooli", config: #"{"portal_url":"http://127.0.0.1:9"}"#)
        do {
            _ = try await closed.crm("list_leads", "{}")
            Issue.record("a closed port answered")
        } catch {
            #expect("\(error)".contains("UNAVAILABLE") && "\(error)".contains("Bitrix24 could not be reached") && !"\(error)".contains("canary"), "\(error)")
        }
        await closed.close()
        // A pasted webhook URL works as well as its user/secret part.
        world.connection.set("\(fake.root)/rest/\(FakeBitrix24.webhook)/")
        #expect(try await crm.crm("list_leads", "{}")["leads"] == .array([]))

        world.connection.set(FakeBitrix24.oauthToken)
        try await fake.expireToken()
        await expectRefusal("UNAUTHENTICATED", containing: "expired_token: The access token provided has expired.") { try await crm.crm("list_leads", "{}") }

        world.connection.set(nil)
        await expectRefusal("NOT_FOUND", containing: "connect it with `market connections set bitrix24 --tenant acme --api-key`") {
            try await crm.crm("list_leads", "{}")
        }
        world.connection.set(FakeBitrix24.webhook)
        // Another app drained the bucket once: the call waits for it to leak and goes through.
        try await fake.limit(1)
        #expect(try await crm.crm("list_leads", "{}")["leads"] == .array([]))
        // A block only Bitrix24's support lifts is rate limiting, said at once.
        try await fake.limit(1, error: "OVERLOAD_LIMIT")
        await expectRefusal("RATE_LIMITED", containing: "OVERLOAD_LIMIT: REST API is blocked due to overload") { try await crm.crm("list_leads", "{}") }

        let unconfigured = try await world.instance(nil, tenant: "globex")
        await expectRefusal("INVALID_ARGUMENT", containing: "the Bitrix24 portal is not set: market config bitrix24 --tenant") { try await unconfigured.crm("list_leads", "{}") }
        await #expect(throws: (any Error).self) {
            try await world.instance(nil, tenant: "initech", settings: #""portal_url":"https://acme.bitrix24.ru/rest/1/leaked0canary/""#)
        }
        do {
            _ = try await world.instance(nil, tenant: "initech", settings: #""portal_url":"https://acme.bitrix24.ru/rest/1/leaked0canary/""#)
        } catch {
            #expect(!"\(error)".contains("canary") && "\(error)".contains("portal_url must be the portal's address only"), "\(error)")
        }
        await world.close(crm, unconfigured)
    }

    @Test func theConnectionTestReportsEachStepInBitrix24sWords() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let crm = try await world.instance(fake)
        let good = try await crm.testConnection()
        #expect(good.passed && good.steps.map(\.step) == ["config", "credentials", "request"], "\(good)")
        #expect(good.steps[1].detail.contains("incoming webhook of user 1") && good.steps[2].detail.contains("NEW, PREPARATION"), "\(good)")

        world.connection.set("1/bad0canary")
        let refused = try await crm.testConnection()
        #expect(refused.steps.map(\.ok) == [true, true, false] && refused.steps[2].detail.contains("HTTP 401"), "\(refused)")
        #expect(refused.steps[2].detail.contains("INVALID_CREDENTIALS") && !"\(refused)".contains("canary"), "\(refused)")

        world.connection.set(nil)
        let missing = try await crm.testConnection()
        #expect(missing.steps.map(\.ok) == [true, false] && missing.steps[1].detail.contains("market connections set bitrix24"), "\(missing)")
        let unconfigured = try await world.instance(nil, tenant: "globex")
        let noPortal = try await unconfigured.testConnection()
        #expect(noPortal.steps.map(\.step) == ["config"] && !noPortal.passed && noPortal.steps[0].detail.contains("portal_url is not set"))
        await world.close(crm, unconfigured)
    }

    @Test func checkedOutboundEventsBecomeContractEventsAndForgedOnesAre401() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let crm = try await world.instance(fake)
        let seeded = try await fake.seed(#"{"contacts":[{"NAME":"Olga","EMAIL":[{"VALUE":"Olga@Example.ru"}]}],"deals":[{"TITLE":"From the portal"}]}"#)
        let olga = try #require(seeded["contacts"]?.bitrixItems.first?.doubleValue.map { String(Int($0)) })
        let deal = try #require(seeded["deals"]?.bitrixItems.first?.doubleValue.map { String(Int($0)) })
        func post(_ body: String) async throws -> IngressResponse {
            try await crm.handleIngress(method: "POST", path: "/", headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded")], body: Array(body.utf8))
        }

        let forged = try await fake.eventBody("ONCRMDEALADD", id: deal).replacingOccurrences(of: FakeBitrix24.applicationToken, with: "forged0token")
        #expect(try await post(forged).status == 401)
        #expect(try await post(try await fake.eventBody("ONCRMDEALADD", id: deal).replacingOccurrences(of: "auth%5Bapplication_token%5D", with: "x")).status == 401)
        #expect(world.events.events.isEmpty, "a forged event publishes nothing")

        #expect(try await post(try await fake.eventBody("ONCRMDEALADD", id: deal)).status == 200)
        let created = try world.published("lead.created")
        #expect(created.count == 1 && created.first?["lead"]?["id"]?.text == deal && created.first?["lead"]?["title"]?.text == "From the portal", "\(created)")
        #expect(try await post(try await fake.eventBody("ONCRMDEALADD", id: deal)).status == 200)
        #expect(try world.published("lead.created").count == 1, "a repeated event publishes nothing twice")

        // A person moves the deal in Bitrix24; then edits it without moving it.
        #expect(try await post(try await fake.change("deal", id: deal, fields: #"{"STAGE_ID":"EXECUTING"}"#)).status == 200)
        let change = try #require(try world.published("lead.stage_changed").first)
        #expect(change["from"]?.text == "NEW" && change["to"]?.text == "EXECUTING" && change["lead"]?["stage"]?.text == "EXECUTING", "\(change)")
        #expect(try await post(try await fake.change("deal", id: deal, fields: #"{"TITLE":"Renamed"}"#)).status == 200)
        #expect(try world.published("lead.stage_changed").count == 1)

        #expect(try await post(try await fake.eventBody("ONCRMCONTACTADD", id: olga)).status == 200)
        let contact = try #require(try world.published("contact.created").first?["contact"])
        #expect(contact["id"]?.text == olga && contact["emails"] == .array([.string("olga@example.ru")]), "\(contact)")

        // What a tool made and published is not published again when Bitrix24 reports it.
        let mine = try #require(try await crm.crm("create_lead", #"{"title":"Mine"}"#)["lead"]?["id"]?.text)
        _ = try await crm.crm("move_lead", #"{"lead_id":"\#(mine)","stage":"WON"}"#)
        for event in ["ONCRMDEALADD", "ONCRMDEALUPDATE"] { #expect(try await post(try await fake.eventBody(event, id: mine)).status == 200) }
        #expect(try world.published("lead.created").count == 2 && world.published("lead.stage_changed").count == 2)
        #expect(try await post(try await fake.eventBody("ONCRMDEALDELETE", id: mine)).status == 200)
        #expect(try await crm.handleIngress(method: "GET", path: "/", headers: [], body: []).status == 405)
        await world.close(crm)
    }

    /// A burst from two tenants on one portal shares one leaky bucket: 50 at once, then 2 a
    /// second. The fake answers QUERY_LIMIT_EXCEEDED past it; no call is refused or lost.
    @Test func aBurstNeverOverflowsTheLeakyBucketAndLosesNoCall() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let (acme, globex) = (try await world.instance(fake), try await world.instance(fake, tenant: "globex"))
        let calls = 66
        let started = Date()
        let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<calls {
                group.addTask { try await (n % 2 == 0 ? acme : globex).crm("list_leads", "{}")["leads"] == .array([]) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let elapsed = Date().timeIntervalSince(started)
        let log = try await fake.log()
        #expect(answered == calls && log.requests.count == calls, "every call answered once")
        #expect(log.rejected == 0 && log.requests.allSatisfy { $0.status == 200 })
        #expect(log.maxLevel <= 51, "the counter never went over Bitrix24's 50")
        // The leaky bucket's bound: any stretch of T seconds holds at most 51 + 2T requests.
        let times = log.requests.map(\.time).sorted()
        var worstExcess = -Double.infinity
        for i in times.indices {
            for j in i..<times.count { worstExcess = max(worstExcess, Double(j - i + 1) - (51 + 2 * (times[j] - times[i]))) }
        }
        #expect(worstExcess <= 0, "\(worstExcess) requests over the bucket's bound")
        // Once the bucket is full, the rate is the leak's: 2 a second (the last 12 requests).
        let full = Array(times.suffix(12))
        let steadyRate = Double(full.count - 1) / ((full.last ?? 0) - (full.first ?? 0))
        #expect(steadyRate <= 2.1, "\(steadyRate) requests a second with the bucket full")
        let perSecond = times.indices.map { i in times[i...].prefix { $0 - times[i] < 1.0 }.count }.max() ?? 0
        print("bitrix24 burst: \(calls) calls in \(String(format: "%.1f", elapsed)) s; max requests in any 1 s: \(perSecond) (the burst); "
              + "with the bucket full: \(String(format: "%.2f", steadyRate))/s over \(full.count) requests; max bucket level \(String(format: "%.2f", log.maxLevel)) (Bitrix24 blocks over 50); "
              + "lost \(calls - answered); rejected \(log.rejected)")
        await world.close(acme, globex)

        // The fake does enforce the bucket: 60 requests at once, unpaced, overflow it.
        let raw = try await FakeBitrix24.start()
        let url = "\(raw.root)/rest/\(FakeBitrix24.webhook)/profile.json"
        _ = try await runProcess("curl", ["-s", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json", "-d", "{}"] + Array(repeating: url, count: 60))
        let unpaced = try await raw.log()
        #expect(unpaced.requests.count == 60 && unpaced.rejected >= 8, "\(unpaced.rejected) of 60 unpaced requests refused")
        #expect(unpaced.requests.filter { $0.status == 503 }.count == unpaced.rejected)
    }

    /// What one tool call costs the host and the plugin beyond Bitrix24's own handling.
    @Test func aToolCallsOverheadIsMeasured() async throws {
        let fake = try await FakeBitrix24.start()
        let world = try await Bitrix24World.start()
        let crm = try await world.instance(fake)
        var overheads: [Double] = []
        for _ in 0..<40 {
            let start = Date()
            _ = try await crm.crm("list_leads", "{}")
            overheads.append(Date().timeIntervalSince(start) * 1000)
        }
        let handling = try await fake.log().requests.map(\.handlingMilliseconds)
        #expect(handling.count == 40, "one request per list_leads")
        let net = zip(overheads, handling).map { $0 - $1 }.sorted()
        let p50 = net[net.count / 2]
        print("bitrix24 overhead: p50 \(String(format: "%.2f", p50)) ms per list_leads (call time minus the fake's handling), "
              + "p90 \(String(format: "%.2f", net[net.count * 9 / 10])) ms, over \(net.count) calls")
        #expect(p50 < 500)
        await world.close(crm)
    }
}
