import Foundation
import MarketCore
import PluginRuntime
import StoreTestSupport
import Testing

/// The built-in crm plugin, loaded with dlopen, on PostgreSQL's `market.documents/1`.
@Suite(.sharedCluster("crm-tests")) struct CRMPluginTests {
    /// Spellings of one Russian mobile number, and what each normalises to.
    static let spellings = ["+7 (916) 123-45-67", "89161234567", "8 916 123 45 67", "79161234567", "+7-916-123-4567", "8(916)1234567"]

    @Test func everySpellingOfAPhoneMergesIntoOneContact() async throws {
        let world = try await CRMWorld.start()
        let crm = try await world.instance()
        var ids: Set<String> = []
        for (index, spelling) in Self.spellings.enumerated() {
            let result = try await crm.crm("upsert_contact", #"{"phone":"\#(spelling)"}"#)
            ids.insert(try #require(result["id"]?.text))
            #expect(result["created"] == .bool(index == 0) && result["merged"] == .bool(index > 0), "\(spelling): \(result)")
            #expect(result["contact"]?["phones"] == .array([.string("79161234567")]), "\(spelling)")
        }
        #expect(ids.count == 1)
        // Found by any spelling too.
        let found = try await crm.crm("find_contact", #"{"phone":"8 (916) 123-45-67"}"#)
        #expect(found["contacts"]?.arrayCount == 1 && ids.contains(found["contacts"]?[0]?["id"]?.text ?? ""), "\(found)")
        // Neither a 10-digit spelling without the country code nor another number is guessed into it.
        for other in ["9161234567", "+44 20 7946 0958"] {
            let result = try await crm.crm("upsert_contact", #"{"phone":"\#(other)"}"#)
            #expect(result["created"] == .bool(true) && !ids.contains(result["id"]?.text ?? ""), "\(other)")
        }
        await world.close(crm)
    }

    @Test func aMatchByPhoneOrEmailMergesPhonesEmailsAndAMissingName() async throws {
        let world = try await CRMWorld.start()
        let crm = try await world.instance()
        let first = try await crm.crm("upsert_contact", #"{"phone":"+7 916 123-45-67"}"#)
        let id = try #require(first["id"]?.text)
        #expect(first["contact"]?["name"]?.text == "")

        let byPhone = try await crm.crm("upsert_contact", #"{"name":"Ada Lovelace","phone":"89161234567","email":" Ada@Example.COM ","company":"Analytical Engines"}"#)
        #expect(byPhone["id"]?.text == id && byPhone["merged"] == .bool(true))
        let byEmail = try await crm.crm("upsert_contact", #"{"name":"Somebody Else","email":"ADA@example.com","phones":["+44 20 7946 0958"]}"#)
        #expect(byEmail["id"]?.text == id && byEmail["merged"] == .bool(true))
        let contact = try #require(byEmail["contact"])
        #expect(contact["name"]?.text == "Ada Lovelace", "a name is filled when empty, never replaced")
        #expect(contact["phones"] == .array([.string("79161234567"), .string("442079460958")]))
        #expect(contact["emails"] == .array([.string("ada@example.com")]))
        #expect(contact["company"]?.text == "Analytical Engines" && contact["company_id"]?.text?.hasPrefix("co_") == true)

        #expect(try await crm.crm("find_contact", #"{"email":"ada@EXAMPLE.com"}"#)["contacts"] == .array([contact]))
        #expect(try await crm.crm("find_contact", #"{"query":"lovel"}"#)["contacts"] == .array([contact]))
        #expect(try await crm.crm("find_contact", #"{"query":"nobody"}"#)["contacts"] == .array([]))
        // One contact.created, for the first upsert only.
        #expect(world.events.events.map(\.type) == ["contact.created"])
        await world.close(crm)
    }

    @Test func leadsListByStageNewestFirstAPageAtATime() async throws {
        let world = try await CRMWorld.start()
        let crm = try await world.instance()
        var leads: [String] = []
        for number in 1...7 {
            leads.append(try #require(try await crm.crm("create_lead", #"{"title":"Deal \#(number)","price":\#(number * 100)}"#)["lead"]?["id"]?.text))
        }
        for moved in [leads[1], leads[4]] {
            #expect(try await crm.crm("move_lead", #"{"lead_id":"\#(moved)","stage":"qualified"}"#)["lead"]?["stage"]?.text == "qualified")
        }
        let inNew = leads.filter { ![leads[1], leads[4]].contains($0) }.reversed().map { $0 }
        var pages: [[String]] = []
        var cursor: String?
        repeat {
            let arguments = cursor.map { #"{"stage":"new","limit":2,"cursor":"\#($0)"}"# } ?? #"{"stage":"new","limit":2}"#
            let page = try await crm.crm("list_leads", arguments)
            guard case .array(let items)? = page["leads"] else { Issue.record("no leads in \(page)"); break }
            pages.append(items.compactMap { $0["id"]?.text })
            #expect(items.allSatisfy { $0["stage"]?.text == "new" && $0["pipeline"]?.text == "sales" })
            cursor = page["next_cursor"]?.text
        } while cursor != nil && pages.count < 10
        #expect(pages == [Array(inNew[0..<2]), Array(inNew[2..<4]), Array(inNew[4...])])
        let qualified = try await crm.crm("list_leads", #"{"stage":"qualified"}"#)
        #expect(qualified["leads"]?.ids == [leads[4], leads[1]])
        #expect(qualified["next_cursor"] == .null)
        await world.close(crm)
    }

    @Test func movingToAStageThePipelineLacksNamesTheValidStages() async throws {
        let world = try await CRMWorld.start()
        let crm = try await world.instance()
        let lead = try #require(try await crm.crm("create_lead", #"{"title":"Website"}"#)["lead"]?["id"]?.text)
        await expectRefusal("INVALID_ARGUMENT", containing: "stage 'closed' is not in pipeline 'sales'; valid stages: new, qualified, won, lost") {
            try await crm.crm("move_lead", #"{"lead_id":"\#(lead)","stage":"closed"}"#)
        }
        // Pipelines of the tenant's settings replace the default one.
        let b2b = try await world.instance(tenant: "globex", config: #"{"pipelines":[{"id":"b2b","stages":["lead","demo","signed"]},{"id":"support","stages":["open","done"]}]}"#)
        let created = try #require(try await b2b.crm("create_lead", #"{"title":"Licence"}"#)["lead"])
        #expect(created["pipeline"]?.text == "b2b" && created["stage"]?.text == "lead")
        await expectRefusal("INVALID_ARGUMENT", containing: "valid stages: lead, demo, signed") {
            try await b2b.crm("move_lead", #"{"lead_id":"\#(created["id"]?.text ?? "")","stage":"won"}"#)
        }
        await expectRefusal("INVALID_ARGUMENT", containing: "there is no pipeline 'sales'; the pipelines are: b2b, support") {
            try await b2b.crm("create_lead", #"{"title":"Licence","pipeline":"sales"}"#)
        }
        let moved = try await b2b.crm("move_lead", #"{"lead_id":"\#(created["id"]?.text ?? "")","stage":"demo"}"#)
        #expect(moved["from"]?.text == "lead" && moved["lead"]?["stage"]?.text == "demo" && moved["changed"] == .bool(true))
        await world.close(crm, b2b)
    }

    @Test func badArgumentsGetErrorsThatNameTheFix() async throws {
        let world = try await CRMWorld.start()
        let crm = try await world.instance()
        await expectRefusal("INVALID_ARGUMENT", containing: "has 2 digits; give 5 to 15 digits") { try await crm.crm("upsert_contact", #"{"phone":"12"}"#) }
        await expectRefusal("INVALID_ARGUMENT", containing: "is not an e-mail address") { try await crm.crm("upsert_contact", #"{"email":"ada at example"}"#) }
        await expectRefusal("INVALID_ARGUMENT", containing: "needs at least one of 'name', 'phone' / 'phones', 'email' / 'emails'") { try await crm.crm("upsert_contact", "{}") }
        await expectRefusal("INVALID_ARGUMENT", containing: "needs 'phone', 'email' or 'query'") { try await crm.crm("find_contact", "{}") }
        await expectRefusal("NOT_FOUND", containing: "there is no contact 'ct_missing'") {
            try await crm.crm("create_lead", #"{"title":"X","contact_id":"ct_missing"}"#)
        }
        await expectRefusal("NOT_FOUND", containing: "there is no lead 'ld_missing'") { try await crm.crm("move_lead", #"{"lead_id":"ld_missing","stage":"won"}"#) }
        await expectRefusal("NOT_FOUND", containing: "there is no contact 'ct_missing'") {
            try await crm.crm("add_note", #"{"entity_type":"contact","entity_id":"ct_missing","text":"hi"}"#)
        }
        let contact = try #require(try await crm.crm("upsert_contact", #"{"name":"Ada"}"#)["id"]?.text)
        await expectRefusal("INVALID_ARGUMENT", containing: "due_at 'tomorrow' is not an ISO 8601 time") {
            try await crm.crm("add_task", #"{"entity_type":"contact","entity_id":"\#(contact)","text":"Call back","due_at":"tomorrow"}"#)
        }
        await expectRefusal("INVALID_ARGUMENT", containing: "'cursor' is not a next_cursor of list_leads") { try await crm.crm("list_leads", #"{"cursor":"garbage"}"#) }
        // The host checks the tool's schema before the plugin runs.
        let missing = await expectError(.invalidArgument) { try await crm.crm("create_lead", #"{"price":10}"#) }
        #expect(missing?.message.contains("/title") == true, "\(String(describing: missing))")
        let kind = await expectError(.invalidArgument) { try await crm.crm("add_note", #"{"entity_type":"deal","entity_id":"x","text":"t"}"#) }
        #expect(kind?.message.contains("/entity_type") == true, "\(String(describing: kind))")

        // And good ones work: a note and a task with its due time in UTC.
        let note = try await crm.crm("add_note", #"{"entity_type":"contact","entity_id":"\#(contact)","text":"Prefers e-mail"}"#)
        #expect(note["note"]?["entity_id"]?.text == contact && note["note"]?["text"]?.text == "Prefers e-mail")
        let task = try await crm.crm("add_task", #"{"entity_type":"contact","entity_id":"\#(contact)","text":"Call back","due_at":"2026-03-01T12:30:00+03:00"}"#)
        #expect(task["task"]?["due_at"]?.text == "2026-03-01T09:30:00.000000Z" && task["task"]?["done"] == .bool(false))
        await world.close(crm)
    }

    @Test func eventsCarryTheShapesTheManifestDeclares() async throws {
        let world = try await CRMWorld.start()
        let crm = try await world.instance()
        let contact = try #require(try await crm.crm("upsert_contact", #"{"name":"Ada","phone":"+7 916 123-45-67"}"#, conversation: "cnv_1")["id"]?.text)
        _ = try await crm.crm("upsert_contact", #"{"phone":"89161234567"}"#, conversation: "cnv_1")
        let lead = try #require(try await crm.crm("create_lead", #"{"title":"Deal","price":1500.5,"contact_id":"\#(contact)"}"#, conversation: "cnv_1")["lead"])
        _ = try await crm.crm("move_lead", #"{"lead_id":"\#(lead["id"]?.text ?? "")","stage":"won"}"#)
        _ = try await crm.crm("move_lead", #"{"lead_id":"\#(lead["id"]?.text ?? "")","stage":"won"}"#)

        let events = world.events.events
        #expect(events.map(\.type) == ["contact.created", "lead.created", "lead.stage_changed"], "a merge and a move to the same stage publish nothing")
        #expect(events.map(\.tenantID) == ["acme", "acme", "acme"])
        #expect(events.map(\.conversationID) == ["cnv_1", "cnv_1", nil])
        for event in events {
            let declared = try #require(world.library.manifest.eventTypes[event.type], "\(event.type) is not declared")
            let violations = try ConfigSchema(declared.schema, source: event.type).violations(of: try JSONValue(parsing: event.data))
            #expect(violations.isEmpty, "\(event.type): \(violations) in \(event.data)")
        }
        #expect(try JSONValue(parsing: events[0].data)["contact"]?["company_id"] == .null, "absent fields are null, not left out")
        let created = try JSONValue(parsing: events[1].data)
        #expect(created["lead"]?["contact_ids"] == .array([.string(contact)]) && created["lead"]?["price"] == .number(1500.5))
        let changed = try JSONValue(parsing: events[2].data)
        #expect(changed["from"]?.text == "new" && changed["to"]?.text == "won" && changed["lead"]?["id"] == lead["id"])
        await world.close(crm)
    }

    @Test func aTenantNeverSeesAnotherTenantsRecords() async throws {
        let world = try await CRMWorld.start()
        let acme = try await world.instance(tenant: "acme")
        let globex = try await world.instance(tenant: "globex")
        let ada = try await acme.crm("upsert_contact", #"{"name":"Ada","phone":"+7 916 123-45-67","email":"ada@example.com"}"#)
        let lead = try #require(try await acme.crm("create_lead", #"{"title":"Acme deal","contact_id":"\#(ada["id"]?.text ?? "")"}"#)["lead"]?["id"]?.text)

        #expect(try await globex.crm("find_contact", #"{"phone":"89161234567"}"#)["contacts"] == .array([]))
        #expect(try await globex.crm("find_contact", #"{"email":"ada@example.com"}"#)["contacts"] == .array([]))
        #expect(try await globex.crm("find_contact", #"{"query":"ada"}"#)["contacts"] == .array([]))
        #expect(try await globex.crm("list_leads", "{}")["leads"] == .array([]))
        let theirs = try await globex.crm("upsert_contact", #"{"phone":"89161234567"}"#)
        #expect(theirs["created"] == .bool(true) && theirs["id"] != ada["id"])
        await expectRefusal("NOT_FOUND", containing: "there is no lead") { try await globex.crm("move_lead", #"{"lead_id":"\#(lead)","stage":"won"}"#) }
        await expectRefusal("NOT_FOUND", containing: "there is no contact") {
            try await globex.crm("create_lead", #"{"title":"Stolen","contact_id":"\#(ada["id"]?.text ?? "")"}"#)
        }
        // Acme's records are as they were.
        #expect(try await acme.crm("list_leads", "{}")["leads"]?.ids == [lead])
        #expect(try await acme.crm("find_contact", #"{"phone":"79161234567"}"#)["contacts"]?.arrayCount == 1)
        await world.close(acme, globex)
    }

    @Test func withoutADocumentStoreTheToolsSaySoAndHowToGetOne() async throws {
        let world = try await CRMWorld.start(documents: false)
        let crm = try await world.instance()
        await expectRefusal("UNSUPPORTED", containing: "market.documents/1") { try await crm.crm("upsert_contact", #"{"name":"Ada"}"#) }
        await world.close(crm)
    }
}

extension JSONValue {
    var arrayCount: Int? {
        if case .array(let items) = self { items.count } else { nil }
    }

    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { items[index] } else { nil }
    }

    /// The `id`s of an array of records.
    var ids: [String] {
        if case .array(let items) = self { items.compactMap { $0["id"]?.text } } else { [] }
    }
}
