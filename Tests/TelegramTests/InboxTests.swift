import Foundation
import MarketStore
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// The inbox's claims: by key, by sweep, and the chat's next update on finishing one.
    @Suite struct InboxTests {
        func update(_ id: Int64, chat: Int64) throws -> RawUpdate {
            try RawUpdate.parse(body: Array(JSONSerialization.data(withJSONObject: FakeTelegram.textUpdate(id, chat: chat, text: "hi \(id)")))).update
        }

        func store(_ fixture: TelegramFixture, _ updates: [(id: Int64, chat: Int64)]) async throws -> [TelegramInbox.Key] {
            for entry in updates { #expect(try await fixture.inbox.store(try update(entry.id, chat: entry.chat), bot: fixture.bot.id)) }
            return updates.map { TelegramInbox.Key(bot: fixture.bot.id, updateID: $0.id, chat: $0.chat) }
        }

        @Test func concurrentDeliveriesOfOneUpdateStoreItOnce() async throws {
            let fixture = try await TelegramFixture.make()
            let first = try update(5, chat: 1001)
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await fixture.inbox.store(first, bot: fixture.bot.id) } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1, "exactly one delivery is the new one: \(outcomes)")
            #expect(try await fixture.inboxRows().map(\.updateID) == [5])
            await fixture.close()
        }

        @Test func claimingByKeyTakesOnlyEachChatsOldestAndFinishingOneClaimsTheNext() async throws {
            let fixture = try await TelegramFixture.make()
            let keys = try await store(fixture, [(1, 1001), (2, 1001), (3, 2002)])
            let claimed = try await fixture.inbox.claim(keys, lease: .seconds(60))
            #expect(claimed.map(\.updateID).sorted() == [1, 3], "update 2 waits for update 1 of its chat")
            #expect(try await fixture.inbox.claim(keys, lease: .seconds(60)).isEmpty, "claimed updates are not claimed twice")

            let first = try #require(claimed.first { $0.updateID == 1 })
            let next = try await fixture.inbox.complete(first, claimingNextFor: .seconds(60))
            #expect(next?.updateID == 2 && next?.chatID == 1001 && next?.tenantID == "acme" && next?.attempts == 1)
            #expect(try await fixture.inbox.claim(keys, lease: .seconds(60)).isEmpty, "the next one is claimed already")
            let third = try #require(claimed.first { $0.updateID == 3 })
            #expect(try await fixture.inbox.complete(third, claimingNextFor: .seconds(60)) == nil, "chat 2002 has nothing more")
            #expect(try await fixture.inboxRows().map(\.status) == ["done", "pending", "done"])
            await fixture.close()
        }

        @Test func theSweepTakesTheOldestOfEachFreeChatAndLapsedClaimsAgain() async throws {
            let fixture = try await TelegramFixture.make()
            _ = try await store(fixture, [(10, 1001), (11, 1001), (12, 2002), (13, 3003)])
            let swept = try await fixture.inbox.claim(limit: 10, lease: .milliseconds(300))
            #expect(swept.map(\.updateID).sorted() == [10, 12, 13])
            #expect(try await fixture.inbox.claim(limit: 10, lease: .seconds(60)).isEmpty)
            #expect(try await fixture.inbox.claim(limit: 1, lease: .seconds(60)).isEmpty)
            // Claims lapse: a processor that died leaves its updates to the next sweep.
            try await Task.sleep(for: .milliseconds(400))
            let again = try await fixture.inbox.claim(limit: 2, lease: .seconds(60))
            #expect(again.count == 2 && again.allSatisfy { [10, 12, 13].contains($0.updateID) && $0.attempts == 2 })
            await fixture.close()
        }

        @Test func aReleasedClaimIsFreeAgainAndNotCountedAsAnAttempt() async throws {
            let fixture = try await TelegramFixture.make()
            let keys = try await store(fixture, [(20, 1001)])
            let item = try #require(try await fixture.inbox.claim(keys, lease: .seconds(60)).first)
            try await fixture.inbox.release(item)
            let again = try #require(try await fixture.inbox.claim(limit: 5, lease: .seconds(60)).first)
            #expect(again.updateID == 20 && again.attempts == 1)
            await fixture.close()
        }
    }
}
