import Foundation
import Logging
import MarketBot
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension BotDatabaseTests {
    /// The history a reply sends comes from memory, extended with what was stored since; it is the
    /// same as reading the whole conversation and trimming it, whatever was evicted or written
    /// by another replica, and its cost does not grow with the conversation.
    @Suite struct RecentHistoryTests {
        /// What the history should be: the whole conversation, trimmed to the budget.
        func expected(_ store: ConversationStore, _ conversation: String, budget: Int) async throws -> [ChatMessage] {
            ContextBudget(characters: budget).trim(try await store.history(conversation: conversation, tenant: "acme", limit: 100_000), system: "")
        }

        func turn(_ store: ConversationStore, _ conversation: String, _ text: String) async throws {
            try await store.append(ChatMessage(role: .user, content: text), conversation: conversation, tenant: "acme", assignment: nil)
            try await store.append(ChatMessage(role: .assistant, content: "re: " + text), conversation: conversation, tenant: "acme", assignment: nil)
        }

        @Test func theHistoryIsRightThroughEvictions() async throws {
            let bot = try await BotFixture.make()
            defer { Task { await bot.close() } }
            // Room for about four conversations' 600 characters: six crowd each other out.
            let store = ConversationStore(pool: bot.pool, historyCapacity: 6_000, logger: quietLogger)
            var conversations: [String] = []
            for index in 0..<6 {
                let address = ChatAddress(channel: "test", chatID: "c\(index)", userID: "u\(index)")
                conversations.append(try await store.conversation(tenant: "acme", address: address, assignment: nil).id)
            }
            for round in 0..<8 {
                for (index, conversation) in conversations.enumerated() {
                    try await turn(store, conversation, String(repeating: "\(index)", count: 60) + " round \(round)")
                    let recent = try await store.recentHistory(conversation: conversation, tenant: "acme", budget: 600)
                    #expect(recent == (try await expected(store, conversation, budget: 600)), "conversation \(index), round \(round)")
                }
            }
            let usage = store.historyCacheUsage
            #expect(usage.size <= 6_000 && usage.conversations < 6, "bounded by size, the least recently used dropped: \(usage)")
        }

        @Test func aTurnWrittenByAnotherReplicaIsInTheHistory() async throws {
            let bot = try await BotFixture.make()
            defer { Task { await bot.close() } }
            // A second replica: its own pool and store on the same database.
            let otherPool = DatabasePool(connectionString: bot.connectionString, configuration: .init(size: 2), logger: quietLogger)
            otherPool.start()
            defer { Task { await otherPool.shutdown() } }
            let other = ConversationStore(pool: otherPool, logger: quietLogger)
            let here = bot.conversations
            let address = ChatAddress(channel: "test", chatID: "shared", userID: "u")
            let conversation = try await here.conversation(tenant: "acme", address: address, assignment: nil).id
            try await turn(here, conversation, "first, here")
            #expect(try await here.recentHistory(conversation: conversation, tenant: "acme", budget: 24_000).map(\.content)
                    == ["first, here", "re: first, here"])
            try await turn(other, conversation, "second, there")
            #expect(try await here.recentHistory(conversation: conversation, tenant: "acme", budget: 24_000).map(\.content)
                    == ["first, here", "re: first, here", "second, there", "re: second, there"])
            #expect(try await other.recentHistory(conversation: conversation, tenant: "acme", budget: 24_000)
                    == (try await expected(here, conversation, budget: 24_000)))
            try await turn(here, conversation, "third, here")
            let seenThere = try await other.recentHistory(conversation: conversation, tenant: "acme", budget: 24_000).map { $0.content }
            #expect(Array(seenThere.suffix(2)) == ["third, here", "re: third, here"])
        }

        @Test func theModelSeesATurnAnotherReplicaAnswered() async throws {
            let server = try await FakeLLM.start()
            let bot = try await BotFixture.make()
            defer { Task { await bot.close() } }
            try await bot.enableModel(server, scenario: "text")
            let first = try await bot.say("one").reply
            let otherPool = DatabasePool(connectionString: bot.connectionString, configuration: .init(size: 1), logger: quietLogger)
            otherPool.start()
            defer { Task { await otherPool.shutdown() } }
            try await turn(ConversationStore(pool: otherPool, logger: quietLogger), first.conversationID, "two, elsewhere")
            _ = try await bot.say("three")
            let last = try #require(try await server.requests().last)
            guard case .array(let messages)? = last["messages"] else { Issue.record("no messages in \(last)"); return }
            let contents = messages.compactMap { if case .string(let text)? = $0["content"] { text } else { nil } }
            #expect(contents == ["one", "Hello!", "two, elsewhere", "re: two, elsewhere", "three"])
        }

        @Test func aLongerConversationCostsNoMoreRowsOrCommitsPerReply() async throws {
            let server = try await FakeLLM.start()
            var limits = EngineLimits()
            // No refresh of the tenant's setup within the test: only replies touch the database.
            limits.pluginRefresh = .seconds(600)
            let bot = try await BotFixture.make(limits: limits)
            defer { Task { await bot.close() } }
            try await bot.enableModel(server, scenario: "text")
            for index in 0..<10 { _ = try await bot.say("early \(index)") }
            let early = try await settledStatistics(bot)
            let replies = 30
            for index in 0..<replies { _ = try await bot.say("later \(index)") }
            let later = try await settledStatistics(bot)
            let rows = Double(later.messageRowsRead - early.messageRowsRead) / Double(replies)
            let commits = Double(later.commits - early.commits) / Double(replies)
            // Each reply reads the previous reply's two messages; before, it read the whole
            // conversation (up to 400 rows), some 50 a reply here.
            #expect(rows >= 1.5 && rows <= 2.5, "message rows read per reply at 10 to 40 turns: \(rows)")
            // Each reply: one read of what is new, one commit of the turn; before, a commit
            // before the model call, a read of the history and a commit after it.
            #expect(commits >= 1 && commits <= 2.5, "transactions per reply: \(commits)")
            #expect(bot.conversations.historyRowsRead <= 10 * 2 + replies * 2 + 2)
        }

        /// The database's counters once every connection has reported them: PostgreSQL sends a
        /// session's statistics at most once a second, when it goes idle, so each of the pool's
        /// connections runs a statement after a pause.
        func settledStatistics(_ bot: BotFixture) async throws -> (commits: Int, messageRowsRead: Int) {
            try await Task.sleep(for: .milliseconds(1100))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { _ = try await bot.pool.query("SELECT pg_sleep(0.1)") } }
                try await group.waitForAll()
            }
            try await Task.sleep(for: .milliseconds(100))
            let row = try await bot.pool.query("""
                SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) AS commits,
                       (SELECT coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = 'messages') AS fetched
                """)[0]
            return (Int(try row.decode("commits", as: Int64.self)), Int(try row.decode("fetched", as: Int64.self)))
        }
    }
}
