import Foundation
import MarketStore
import MarketTestSupport
import Synchronization
import TelegramChannel
import Testing

extension TelegramDatabaseTests {
    /// A reply is made once: a failed send resumes with the parts not sent, and never asks the
    /// handler (the conversation engine: its tools, its history, its events) again.
    @Suite struct ReplyOnceTests {
        /// Counts its calls; answers with `reply`.
        final class CountingHandler: TelegramMessageHandler {
            let calls = Mutex(0)
            let reply: @Sendable () -> TelegramReply

            init(_ reply: @escaping @Sendable () -> TelegramReply) {
                self.reply = reply
            }

            func reply(to message: InboundMessage) async throws -> TelegramReply {
                calls.withLock { $0 += 1 }
                return reply()
            }

            var count: Int { calls.withLock { $0 } }
        }

        /// Three paragraphs, each too long to share a message with another.
        static let paragraphs = ["A", "B", "C"].map { String(repeating: "\($0)", count: 3000) }

        func processor(_ fixture: TelegramFixture, _ handler: any TelegramMessageHandler) -> InboxProcessor {
            var configuration = InboxProcessor.Configuration(pollInterval: .milliseconds(20), streamInterval: .milliseconds(100),
                                                             perChatInterval: .milliseconds(20), retryBackoff: .milliseconds(50))
            configuration.perBotInterval = .milliseconds(1)
            // Streamed replies here take some 450 ms: shown in progress (drafts) after 100.
            configuration.typingDelay = .milliseconds(100)
            return InboxProcessor(inbox: fixture.inbox, bots: fixture.bots, handler: handler, configuration: configuration, logger: fixture.logs.logger)
        }

        func store(_ fixture: TelegramFixture, _ update: [String: Any]) async throws {
            let data = try JSONSerialization.data(withJSONObject: update)
            try await fixture.inbox.store(try RawUpdate.parse(body: Array(data)).update, bot: fixture.bot.id)
        }

        @Test func aServerErrorOnAPartResumesWithTheUnsentParts() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, FakeTelegram.textUpdate(1, chat: 5, text: "tell me everything"))
            // The second part is answered 502 once.
            try await fixture.fake.fail("sendMessage", code: 502, description: "Bad Gateway", count: 1, after: 1)
            let handler = CountingHandler { .text(Self.paragraphs.joined(separator: "\n\n")) }
            let processor = processor(fixture, handler)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            #expect(handler.count == 1, "the reply was made once")
            let texts = try await fixture.fake.requests("sendMessage").compactMap { $0.string("text")?.trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(texts == [Self.paragraphs[0], Self.paragraphs[1], Self.paragraphs[1], Self.paragraphs[2]],
                    "the first part once, the second again after its 502, then the third")
            let row = try await fixture.pool.query("SELECT attempts, reply IS NULL AS cleared FROM telegram_inbox WHERE update_id = 1")[0]
            #expect(try row.decode("attempts", as: Int.self) == 2)
            #expect(try row.decode("cleared", as: Bool.self), "a sent reply is not kept")
        }

        @Test func aStreamedReplyIsMadeOnceThoughItsDraftsAndItsSendFail() async throws {
            let fixture = try await TelegramFixture.make()
            defer { Task { await fixture.close() } }
            try await store(fixture, FakeTelegram.textUpdate(1, chat: 5, text: "stream it"))
            try await fixture.fake.fail("sendMessageDraft", code: 500, description: "Internal Server Error", count: 1)
            try await fixture.fake.fail("sendMessage", code: 503, description: "Service Unavailable", count: 1)
            let handler = CountingHandler {
                let pieces = AsyncThrowingStream<String, any Error> { continuation in
                    Task {
                        for piece in ["one ", "two ", "three"] {
                            continuation.yield(piece)
                            try? await Task.sleep(for: .milliseconds(150))
                        }
                        continuation.finish()
                    }
                }
                return .streamThenButtons(pieces) { [[InlineButton("👍", data: "up")]] }
            }
            let processor = processor(fixture, handler)
            let running = Task { await processor.run() }
            #expect(try await fixture.eventually { try await fixture.inboxRows().map(\.status) == ["done"] })
            running.cancel()
            await running.value
            #expect(handler.count == 1, "a failed draft does not stop the reply, and a failed send does not make it again")
            let sent = try await fixture.fake.requests("sendMessage")
            #expect(sent.map { $0.string("text") } == ["one two three", "one two three"], "the refused send, then its retry")
            #expect(sent.last?.string("reply_markup") == #"{"inline_keyboard":[[{"callback_data":"up","text":"👍"}]]}"#)
        }
    }
}
