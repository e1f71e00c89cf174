import MarketCore
import Testing

@Suite struct EventTypePatternTests {
    @Test(arguments: [
        "*", "lead.created", "lead.*", "lead", "message.received", "a.b.c.d", "order_paid.v-2", "x1.*", "a",
        String(repeating: "a", count: 128), String(repeating: "a", count: 128) + ".*", String(repeating: "ab.", count: 42) + "ab",
    ])
    func acceptsValidPatterns(_ text: String) throws {
        let pattern = try #require(EventTypePattern(text))
        #expect(pattern.text == text)
    }

    @Test(arguments: [
        "", ".", "*.", ".*", "lead.", ".lead", "lead..created", "Lead.created", "lead.Created", "lead.*.*", "*.lead", "lead*",
        "lead.cr*", "**", "lead .created", "lead/created", "lead:created", "léad", "lead.*x", " lead", "lead.*\n",
        String(repeating: "a", count: 129), String(repeating: "a", count: 129) + ".*",
    ])
    func refusesInvalidPatterns(_ text: String) {
        #expect(EventTypePattern(text) == nil)
    }

    @Test(arguments: [
        ("*", "lead.created", true), ("*", "x", true),
        ("lead.created", "lead.created", true), ("lead.created", "lead.created.late", false), ("lead.created", "lead.create", false),
        ("lead.created", "Lead.created", false),
        ("lead.*", "lead.created", true), ("lead.*", "lead.won.big", true), ("lead.*", "lead", false),
        ("lead.*", "leads.created", false), ("lead.*", "leadx.created", false), ("lead.*", "message.lead.created", false),
        ("a.b.*", "a.b.c", true), ("a.b.*", "a.bc.d", false), ("a.b.*", "a.c.d", false),
    ])
    func matchesTypes(pattern: String, type: String, expected: Bool) throws {
        let pattern = try #require(EventTypePattern(pattern))
        #expect(pattern.matches(type) == expected)
    }

    @Test(arguments: ["lead.created", "a", "order_paid.v-2", String(repeating: "a", count: 128)])
    func acceptsEventTypes(_ text: String) {
        #expect(EventTypePattern.isValidType(text))
    }

    @Test(arguments: ["", "*", "lead.*", "Lead", "lead.", "a..b", String(repeating: "a", count: 129), "lead created"])
    func refusesEventTypesThatAreNotExact(_ text: String) {
        #expect(!EventTypePattern.isValidType(text))
    }

    @Test func patternsAreHashableByText() throws {
        let patterns: Set = [try #require(EventTypePattern("lead.*")), try #require(EventTypePattern("lead.*")), try #require(EventTypePattern("*"))]
        #expect(patterns.count == 2)
    }
}
