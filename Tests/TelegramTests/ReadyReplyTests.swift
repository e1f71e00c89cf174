import Foundation
import MarketTestSupport
import TelegramChannel
import Testing

/// A handler that streams its answer as a model does, the pieces `gap` apart.
final class StreamingHandler: TelegramMessageHandler {
    let gap: Duration

    init(gap: Duration = .zero) {
        self.gap = gap
    }

    func reply(to message: InboundMessage) async throws -> TelegramReply {
        guard case .text(let text, _) = message.content else { return .none }
        let gap = self.gap
        let pieces = AsyncThrowingStream<String, any Error> { continuation in
            Task {
                for word in ["echo: ", text, " (", "done", ")"] {
                    continuation.yield(word)
                    if gap > .zero { try? await Task.sleep(for: gap) }
                }
                continuation.finish()
            }
        }
        return .streamThenButtons(pieces) { [] }
    }
}

extension TelegramDatabaseTests {
    /// A reply that is ready at once goes at once: no draft or "typing…" ahead of it, which
    /// would take the chat's slot and hold the reply back a whole chat interval.
    @Suite struct ReadyReplyTests {
        func store(_ fixture: TelegramFixture, _ updates: [[String: Any]]) async throws {
            for update in updates {
                let data = try JSONSerialization.data(withJSONObject: update)
                try await fixture.inbox.store(try RawUpdate.parse(body: Array(data)).update, bot: fixture.bot.id)
            }
        }

        @Test func aModelReplyReadyAtOnceGoesWithoutDraftOrTyping() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "hi")])
            // A chat interval long enough that a draft taking the chat's slot ahead of the reply
            // would hold it back well past the bound below.
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20), perChatInterval: .seconds(4))
            configuration.typingDelay = .milliseconds(300)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: StreamingHandler(),
                                           configuration: configuration, logger: fixture.logs.logger)
            let started = ContinuousClock.now
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            let took = ContinuousClock.now - started
            running.cancel()
            await running.value
            let calls = try await fixture.fake.requests().map(\.method).filter { $0 != "getMe" }
            #expect(calls == ["sendMessage"], "the reply alone, no draft or typing before it: \(calls)")
            #expect(try await fixture.fake.requests("sendMessage").first?.string("text") == "echo: hi (done)")
            #expect(took < .seconds(3), "sent without waiting for the chat's next slot: \(took)")
        }

        @Test func aBacklogInOneChatWaitsForItsSlotsWithoutTypingOrDrafts() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            try await store(fixture, (1...4).map { FakeTelegram.textUpdate($0, chat: 7, text: "m\($0)") })
            // Each reply is ready at once, then waits some 600 ms for the chat's slot: long enough
            // for "typing…" to show were the wait taken for work.
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20), typingInterval: .milliseconds(100),
                                                             perChatInterval: .milliseconds(600))
            configuration.typingDelay = .milliseconds(150)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: StreamingHandler(),
                                           configuration: configuration, logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().allSatisfy { $0.status == "done" } })
            running.cancel()
            await running.value
            let sent = try await fixture.fake.requests("sendMessage")
            #expect(sent.map { $0.string("text") } == (1...4).map { "echo: m\($0) (done)" })
            #expect(try await fixture.fake.requests("sendChatAction").isEmpty, "waiting for a slot shows no typing")
            #expect(try await fixture.fake.requests("sendMessageDraft").isEmpty, "a reply ready at once has no draft")
            let times = sent.map(\.time)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 0.55 }, "the chat's limit still holds: \(times)")
        }

        @Test func aReplyStillBeingMadeShowsDrafts() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "slow")])
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20), streamInterval: .milliseconds(100),
                                                             perChatInterval: .milliseconds(50))
            configuration.typingDelay = .milliseconds(100)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: StreamingHandler(gap: .milliseconds(150)),
                                           configuration: configuration, logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            let drafts = try await fixture.fake.requests("sendMessageDraft")
            let sent = try #require(try await fixture.fake.requests("sendMessage").first)
            #expect(!drafts.isEmpty, "a reply taking 750 ms is shown in progress")
            #expect(drafts.allSatisfy { $0.time <= sent.time })
        }

        @Test func raisedLimitsTakeEffect() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await fixture.fake.warmUp()
            try await store(fixture, (1...120).map { FakeTelegram.textUpdate($0, chat: $0, text: "m\($0)") })
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20))
            configuration.perBotPerSecond = 1000
            configuration.perBotInterval = .milliseconds(1)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: UppercasingHandler(),
                                           configuration: configuration, logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually(.seconds(30)) { try await fixture.inboxRows().allSatisfy { $0.status == "done" } })
            running.cancel()
            await running.value
            let times = try await fixture.fake.requests("sendMessage").map(\.time).sorted()
            #expect(times.count == 120)
            let busiest = times.indices.map { start in times[start...].prefix { $0 < times[start] + 1.0 }.count }.max() ?? 0
            #expect(busiest > 30, "more than Telegram's default 30 calls within a second once the limit is raised: \(busiest)")
        }
    }
}
