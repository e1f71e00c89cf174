import Foundation
import MarketBot
import MarketStore
import Testing

extension BotDatabaseTests {
    /// A reply's messages and events are committed together, and concurrent replies share commits.
    @Suite struct ReplyCommitTests {
        @Test func aSlashCommandsMessagesAndEventsAreOneTransaction() async throws {
            let fixture = try await BotFixture.make(bus: true)
            let (reply, _) = try await fixture.say(#"/word_count text="one two three""#)
            let conversation = reply.conversationID
            let messages = try await fixture.sql("SELECT role, xmin::text FROM messages WHERE conversation_id = $1 ORDER BY id", [conversation])
            let events = try await fixture.sql("SELECT type, xmin::text FROM events WHERE conversation_id = $1 ORDER BY seq", [conversation])
            #expect(messages.map { $0[0] } == ["user", "assistant"])
            #expect(events.map { $0[0] } == ["conversation.started", "message.received", "tool.called", "message.sent"])
            let transactions = Set((messages + events).map { $0[1] })
            #expect(transactions.count == 1, "one commit for the whole reply: \(transactions)")
        }

        @Test func concurrentRepliesShareCommitsAndEachKeepsItsOwnRows() async throws {
            let fixture = try await BotFixture.make(bus: true)
            let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                for user in 0..<40 { group.addTask { try await fixture.say(#"/word_count text="w\#(user) x""#, user: "u\(user)").reply } }
                return try await group.reduce(into: [Reply]()) { $0.append($1) }
            }
            #expect(Set(replies.map(\.conversationID)).count == 40)
            #expect(replies.allSatisfy { $0.text.contains("2") })
            let counts = try await fixture.sql("SELECT count(*), count(DISTINCT conversation_id), count(DISTINCT xmin::text) FROM messages")
            #expect(counts[0][0] == "80" && counts[0][1] == "40")
            let transactions = Int(counts[0][2] ?? "") ?? 0
            #expect(transactions < 40, "40 concurrent replies took \(transactions) commits")
            for conversation in replies.map(\.conversationID) {
                let roles = try await fixture.sql("SELECT role FROM messages WHERE conversation_id = $1 ORDER BY id", [conversation])
                #expect(roles.map { $0[0] } == ["user", "assistant"])
            }
        }
    }
}
