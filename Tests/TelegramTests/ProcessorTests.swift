import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Synchronization
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    @Suite struct ProcessorTests {
        func store(_ fixture: TelegramFixture, _ updates: [[String: Any]]) async throws {
            for update in updates {
                let data = try JSONSerialization.data(withJSONObject: update)
                try await fixture.inbox.store(try RawUpdate.parse(body: Array(data)).update, bot: fixture.bot.id)
            }
        }

        @Test func eachChatIsProcessedInOrder() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            // Stored out of order, interleaved across three chats.
            var updates: [[String: Any]] = []
            for id in [9, 3, 6, 1, 4, 7, 2, 5, 8, 12, 10, 11] as [Int64] { updates.append(FakeTelegram.textUpdate(id, chat: 100 + id % 3, text: "m\(id)")) }
            try await store(fixture, updates)
            let handler = UppercasingHandler(delay: .milliseconds(15))
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: handler,
                                           configuration: .init(pollInterval: .milliseconds(20), perChatInterval: .milliseconds(50)),
                                           logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().allSatisfy { $0.status == "done" } })
            running.cancel()
            await running.value
            let seen = handler.seen.withLock { $0 }
            #expect(seen.count == 12)
            for chat in Set(seen.map(\.chat.id)) {
                let order = seen.filter { $0.chat.id == chat }.map(\.updateID)
                #expect(order == order.sorted(), "chat \(chat) was processed in order: \(order)")
            }
            #expect(seen.allSatisfy { $0.tenantID == "acme" && $0.botID == fixture.bot.id })
        }

        @Test func theChatShowsTypingWhileTheReplyIsProduced() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "think")])
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20), typingInterval: .milliseconds(300))
            configuration.typingDelay = .milliseconds(100)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: UppercasingHandler(delay: .milliseconds(700)),
                                           configuration: configuration, logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            let typing = try await fixture.fake.requests("sendChatAction")
            let reply = try #require(try await fixture.fake.requests("sendMessage").first)
            #expect(typing.filter { $0.time < reply.time }.count >= 2, "shown before the reply, and renewed while it took longer than the interval")
            #expect(typing.allSatisfy { $0.string("action") == "typing" && $0.int("chat_id") == 5 })
        }

        @Test func aQuickReplyGoesWithoutTyping() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "quick")])
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: UppercasingHandler(),
                                           configuration: .init(pollInterval: .milliseconds(20)), logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            #expect(try await fixture.fake.requests("sendMessage").count == 1)
            #expect(try await fixture.fake.requests("sendChatAction").isEmpty, "a reply within the typing delay shows no typing")
        }

        /// A handler that never answers its first message, like a replica that died holding it.
        final class StuckOnceHandler: TelegramMessageHandler {
            let calls = Mutex(0)
            let release = AsyncStream<Void>.makeStream()

            func reply(to message: InboundMessage) async throws -> TelegramReply {
                let first = calls.withLock { calls in
                    calls += 1
                    return calls == 1
                }
                if first {
                    for await _ in release.stream {}
                    throw CancellationError()
                }
                return .text("recovered \(message.updateID)")
            }
        }

        @Test func anAcknowledgedUpdateSurvivesAProcessorThatStopsAbruptly() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            let handler = WebhookHandler(bots: fixture.bots, inbox: fixture.inbox, logger: fixture.logs.logger)
            let secret = try await fixture.credentials.secretToken
            let body = try JSONSerialization.data(withJSONObject: FakeTelegram.textUpdate(41, chat: 77, text: "are you there"))
            #expect(await handler.handle(botID: fixture.bot.id, headers: [("X-Telegram-Bot-Api-Secret-Token", secret)], body: Array(body)) == 200)

            // The first processor, a replica of its own with its own pool, claims the update; then
            // the replica dies: its handler never answers and it stops talking to the database
            // (no reply, no mark, no lease renewal).
            let stuck = StuckOnceHandler()
            let lease = Duration.milliseconds(600)
            let replicaPool = DatabasePool(connectionString: fixture.connectionString, configuration: .init(size: 2), logger: quietLogger)
            replicaPool.start()
            let replicaBots = TelegramBots(pool: replicaPool, box: fixture.box, logger: quietLogger)
            let first = InboxProcessor(inbox: TelegramInbox(pool: replicaPool), bots: replicaBots, handler: stuck,
                                       configuration: .init(lease: lease, pollInterval: .milliseconds(20)), logger: fixture.logs.logger)
            let dead = Task { await first.run() }
            #expect(try await fixture.eventually { stuck.calls.withLock { $0 } == 1 })
            await replicaPool.shutdown()
            #expect(try await fixture.inboxRows().map(\.status) == ["pending"])

            // A second processor (another replica, or this one restarted) takes it once the lease lapses.
            let second = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: stuck,
                                        configuration: .init(lease: lease, pollInterval: .milliseconds(20)), logger: fixture.logs.logger)
            let started = ContinuousClock.now
            let running = Task { await second.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            #expect(ContinuousClock.now - started >= .milliseconds(300), "not before the first claim lapsed")
            #expect(try await fixture.fake.requests("sendMessage").compactMap { $0.string("text") } == ["recovered 41"])
            running.cancel()
            await running.value
            stuck.release.continuation.finish()
            dead.cancel()
            await dead.value
            #expect(try await fixture.inboxRows().map(\.status) == ["done"], "the stale claim cannot undo the work")
        }

        @Test func aReplySlowerThanTheLeaseIsNotTakenTwice() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "slow")])
            let handler = UppercasingHandler(delay: .milliseconds(1500))
            let configuration = InboxProcessor.Configuration(lease: .milliseconds(600), pollInterval: .milliseconds(20))
            let processors = (0..<2).map { _ in
                InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: handler, configuration: configuration, logger: fixture.logs.logger)
            }
            let running = processors.map { processor in Task { await processor.run() } }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            for task in running { task.cancel() }
            for task in running { await task.value }
            #expect(handler.updateIDs == [1], "the claim was renewed while the reply took longer than the lease")
        }

        /// Answers "slow" after 1.5 s and anything else at once.
        struct SlowOnRequestHandler: TelegramMessageHandler {
            func reply(to message: InboundMessage) async throws -> TelegramReply {
                guard case .text(let text, _) = message.content else { return .none }
                if text == "slow" { try await Task.sleep(for: .milliseconds(1500)) }
                return .text("re: \(text)")
            }
        }

        @Test func aSlowReplyInOneChatDoesNotHoldUpAnother() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "slow"), FakeTelegram.textUpdate(2, chat: 6, text: "one"),
                                      FakeTelegram.textUpdate(3, chat: 6, text: "two")])
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: SlowOnRequestHandler(),
                                           configuration: .init(pollInterval: .seconds(5), perChatInterval: .milliseconds(50)),
                                           logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().allSatisfy { $0.status == "done" } })
            running.cancel()
            await running.value
            let texts = try await fixture.fake.requests("sendMessage").compactMap { $0.string("text") }
            #expect(texts == ["re: one", "re: two", "re: slow"], "chat 6 went on while chat 5 waited, without waiting for a poll")
        }

        /// Fails the first `failures` calls, then answers like `UppercasingHandler`.
        final class FlakyHandler: TelegramMessageHandler {
            let calls = Mutex(0)
            let failures: Int

            init(failures: Int) {
                self.failures = failures
            }

            func reply(to message: InboundMessage) async throws -> TelegramReply {
                let call = calls.withLock { calls in
                    calls += 1
                    return calls
                }
                struct Unavailable: Error {}
                if call <= failures { throw Unavailable() }
                return .text("answered on call \(call)")
            }
        }

        @Test func aFailingUpdateIsRetriedUntilItSucceeds() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "x")])
            let handler = FlakyHandler(failures: 2)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: handler,
                                           configuration: .init(pollInterval: .milliseconds(20), maxAttempts: 3, retryBackoff: .milliseconds(50)),
                                           logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            #expect(handler.calls.withLock { $0 } == 3)
            #expect(try await fixture.fake.requests("sendMessage").compactMap { $0.string("text") } == ["answered on call 3"])
        }

        @Test func aRefusedReplyIsSetAsideAtOnceAndItsChatMovesOn() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "x"), FakeTelegram.textUpdate(2, chat: 5, text: "y")])
            try await fixture.fake.fail("sendMessage", code: 403, description: "Forbidden: bot was blocked by the user", count: 1)
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: UppercasingHandler(),
                                           configuration: .init(pollInterval: .milliseconds(20), perChatInterval: .milliseconds(50)),
                                           logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["failed", "done"] })
            running.cancel()
            await running.value
            let reason = try await fixture.pool.query("SELECT last_error FROM telegram_inbox WHERE update_id = 1")[0].decode("last_error", as: String.self)
            #expect(reason.contains("Forbidden"))
        }

        /// Answers a text with feedback buttons and a button press with what was pressed.
        struct FeedbackHandler: TelegramMessageHandler {
            func reply(to message: InboundMessage) async throws -> TelegramReply {
                switch message.content {
                case .text: .text("Here you go.", buttons: [[InlineButton("👍", data: "fb:up"), InlineButton("👎", data: "fb:down")]])
                case .callback(_, let data, let messageID): .text("thanks for \(data) on \(messageID ?? 0)")
                }
            }
        }

        @Test func buttonsGoUnderTheReplyAndPressesComeBackAsCallbacks() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, [FakeTelegram.textUpdate(1, chat: 5, text: "question"),
                                      FakeTelegram.callbackUpdate(2, chat: 5, data: "fb:up", messageID: 77)])
            let processor = InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: FeedbackHandler(),
                                           configuration: .init(pollInterval: .milliseconds(20), perChatInterval: .milliseconds(50)),
                                           logger: fixture.logs.logger)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done", "done"] })
            running.cancel()
            await running.value
            let sent = try await fixture.fake.requests("sendMessage")
            #expect(sent.map { $0.string("text") } == ["Here you go.", "thanks for fb:up on 77"])
            #expect(sent.first?.string("reply_markup")
                    == #"{"inline_keyboard":[[{"callback_data":"fb:up","text":"👍"},{"callback_data":"fb:down","text":"👎"}]]}"#)
            #expect(sent.last?.string("reply_markup") == nil)
            #expect(try await fixture.fake.requests("answerCallbackQuery").map { $0.string("callback_query_id") } == ["cbq-2"])
        }

        @Test func aButtonTelegramWouldRefuseIsReportedBeforeSending() async throws {
            let fake = try await FakeTelegram.start()
            let sender = ReplySender(client: fake.client(), logger: quietLogger)
            let error = await #expect(throws: MarketError.self) {
                try await sender.send(markdown: "x", to: Chat(id: 1, type: "private"), buttons: [[InlineButton("long", data: String(repeating: "d", count: 65))]])
            }
            #expect(error?.message.contains("Telegram takes 1 to 64") == true)
            #expect(try await fake.requests("sendMessage").isEmpty)
        }
    }
}
