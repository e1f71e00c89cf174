import Foundation
import MarketCore
import MarketTestSupport
import TelegramChannel
import Testing

@Suite struct ReplySenderTests {
    static let privateChat = Chat(id: 1001, type: "private")
    static let group = Chat(id: -2002, type: "group")

    func sender(_ fake: FakeTelegram, perChat: Duration = .milliseconds(50), stream: Duration = .milliseconds(300),
                logs: CapturingLogHandler = CapturingLogHandler()) -> ReplySender {
        ReplySender(client: fake.client(), scheduler: SendScheduler(perChat: perChat, global: .milliseconds(1)),
                    streamInterval: stream, logger: logs.logger)
    }

    @Test func aLongReplyIsSplitIntoPartsTelegramAccepts() async throws {
        let fake = try await FakeTelegram.start()
        let paragraph = "This is **a sentence** with `code` & <angles>. " + String(repeating: "Words go on and on. ", count: 20)
        let markdown = Array(repeating: paragraph, count: 20).joined(separator: "\n\n")  // about 10,000 characters
        let ids = try await sender(fake).send(markdown: markdown, to: Self.privateChat)
        let sent = try await fake.requests("sendMessage")
        #expect(ids.count == 3)
        #expect(sent.count == 3, "every part was accepted on the first try: the fake parses each as Telegram does")
        for request in sent {
            let text = try #require(request.string("text"))
            #expect(request.string("parse_mode") == "HTML")
            #expect(TelegramHTML.plainText(html: text).utf16.count <= 4096)
            #expect(text.hasSuffix("\n\n") || request.time == sent.last?.time, "parts end at a paragraph")
        }
        let rendered = TelegramHTML.plainText(html: TelegramHTML.render(markdown: markdown))
        #expect(sent.compactMap { $0.string("text") }.map { TelegramHTML.plainText(html: $0) }.joined() == rendered)
    }

    /// sendMessage writes its JSON itself: ids are written as integers whatever their size,
    /// text keeps every character, and optional fields appear only when given.
    @Test func sendMessageSendsItsParametersExactly() async throws {
        let fake = try await FakeTelegram.start()
        let text = "quote \" backslash \\ slash / newline \n tab \t control \u{1} emoji 🙂 e\u{301}"
        let id = try await fake.client().sendMessage(chat: 4_503_599_627_370_497, text: text, html: false, replyTo: 4_503_599_627_370_499,
                                                      buttons: [[InlineButton("👍", data: "up")]])
        try await fake.client().sendMessage(chat: -1_001_234_567_890, text: "<b>plain</b>", html: true)
        let sent = try await fake.requests("sendMessage")
        try #require(sent.count == 2)
        #expect(id > 0)
        #expect(sent[0].int("chat_id") == 4_503_599_627_370_497)
        #expect(sent[0].string("text") == text)
        #expect(sent[0].params["parse_mode"] == nil)
        #expect(sent[0].int("reply_to_message_id") == 4_503_599_627_370_499)
        #expect(sent[0].string("reply_markup") == #"{"inline_keyboard":[[{"callback_data":"up","text":"👍"}]]}"#)
        #expect(sent[1].int("chat_id") == -1_001_234_567_890)
        #expect(sent[1].string("parse_mode") == "HTML")
        #expect(sent[1].params["reply_to_message_id"] == nil && sent[1].params["reply_markup"] == nil)
    }

    @Test func malformedHTMLIsRefusedByTheFake() async throws {
        let fake = try await FakeTelegram.start()
        let error = await #expect(throws: BotAPIError.self) {
            try await fake.client().sendMessage(chat: 1, text: "<b>unclosed", html: true)
        }
        #expect(error?.isEntityParseError == true)
        #expect(error?.errorCode == 400)
        let tooLong = await #expect(throws: BotAPIError.self) {
            try await fake.client().sendMessage(chat: 1, text: String(repeating: "x", count: 4097), html: false)
        }
        #expect(tooLong?.reason == "Bad Request: message is too long")
    }

    @Test func aRefusedHTMLPartIsSentAsPlainText() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.fail("sendMessage", code: 400, description: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3")
        let logs = CapturingLogHandler()
        try await sender(fake, logs: logs).send(markdown: "**Done:** 3 < 4 & [link](https://example.com)", to: Self.group)
        let sent = try await fake.requests("sendMessage")
        #expect(sent.count == 2)
        #expect(sent[0].string("parse_mode") == "HTML")
        #expect(sent[0].string("text") == "<b>Done:</b> 3 &lt; 4 &amp; <a href=\"https://example.com\">link</a>")
        #expect(sent[1].string("parse_mode") == nil)
        #expect(sent[1].string("text") == "Done: 3 < 4 & link")
        #expect(logs.lines.text.contains("sending it as plain text"))
    }

    @Test func retryAfterIsRespected() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.warmUp()
        try await fake.fail("sendMessage", code: 429, description: "Too Many Requests: retry after 1", retryAfter: 1)
        let replies = sender(fake)
        try await replies.send(markdown: "first", to: Self.group)
        try await replies.send(markdown: "second", to: Self.group)
        let sent = try await fake.requests("sendMessage")
        #expect(sent.map { $0.string("text") } == ["first", "first", "second"])
        #expect(sent[1].time - sent[0].time >= 0.99, "the retry waited retry_after")
        // A 429 on one chat pauses that chat only.
        // A pause long enough that "not held up" holds on a loaded machine.
        try await fake.fail("sendMessage", code: 429, description: "Too Many Requests: retry after 5", retryAfter: 5)
        let started = ContinuousClock.now
        async let slow: [Int64] = replies.send(markdown: "paused", to: Self.group)
        try await Task.sleep(for: .milliseconds(200))
        try await replies.send(markdown: "other chat", to: Self.privateChat)
        #expect(ContinuousClock.now - started < .milliseconds(4000), "another chat is not held up")
        _ = try await slow
        #expect(ContinuousClock.now - started >= .milliseconds(4990))
    }

    @Test func messagesToOneChatAreSpacedByTheChatLimit() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.warmUp()
        let replies = sender(fake, perChat: .milliseconds(300))
        for text in ["a", "b", "c"] { try await replies.send(markdown: text, to: Self.group) }
        let times = try await fake.requests("sendMessage").map(\.time)
        #expect(times.count == 3)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 0.25 }, "\(times)")
    }

    static func pieces(_ texts: [String], every gap: Duration) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            Task {
                for text in texts {
                    continuation.yield(text)
                    try? await Task.sleep(for: gap)
                }
                continuation.finish()
            }
        }
    }

    @Test func aStreamedReplyInAPrivateChatUsesDraftsThenOneMessage() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.warmUp()
        let texts = (1...10).map { "part \($0) " }
        try await sender(fake).stream(Self.pieces(texts, every: .milliseconds(100)), to: Self.privateChat)
        let drafts = try await fake.requests("sendMessageDraft")
        let sent = try await fake.requests("sendMessage")
        #expect(drafts.count >= 2 && drafts.count < texts.count, "drafts are coalesced to one per interval, not one per piece: \(drafts.count)")
        #expect(Set(drafts.compactMap { $0.int("draft_id") }).count == 1)
        #expect(zip(drafts, drafts.dropFirst()).allSatisfy { $1.time - $0.time >= 0.25 })
        #expect(sent.map { $0.string("text") } == [texts.joined()])
        #expect(try await fake.requests("editMessageText").isEmpty)
    }

    @Test func aStreamedReplyInAGroupIsOneMessageEditedAtMostOncePerInterval() async throws {
        let fake = try await FakeTelegram.start()
        try await fake.warmUp()
        let texts = (1...10).map { "part \($0) " }
        let ids = try await sender(fake).stream(Self.pieces(texts, every: .milliseconds(100)), to: Self.group)
        let sent = try await fake.requests("sendMessage")
        let edits = try await fake.requests("editMessageText")
        #expect(ids.count == 1)
        #expect(sent.count == 1)
        #expect(!edits.isEmpty)
        #expect(edits.allSatisfy { $0.int("message_id") == ids[0] })
        #expect(edits.last?.string("text") == texts.joined())
        let times = ([sent[0]] + edits).map(\.time)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 0.25 }, "edits are coalesced to the interval")
        #expect(try await fake.requests("sendMessageDraft").isEmpty)
    }

    @Test func theTokenNeverAppearsInErrorsOrLogs() async throws {
        let client = BotAPIClient(token: FakeTelegram.token, base: "http://127.0.0.1:9", timeout: .seconds(2))
        let error = await #expect(throws: MarketError.self) { try await client.getMe() }
        #expect(error?.code == .telegramFailed)
        let text = "\(String(describing: error)) \(String(reflecting: error))"
        #expect(!text.contains(FakeTelegram.token.value))
        #expect(text.contains("bot123456:…/getMe"))
        #expect("\(FakeTelegram.token)" == "123456:…")
        let refused = #expect(throws: MarketError.self) { try BotToken("not a token") }
        #expect(refused?.code == .telegramTokenInvalid)
    }
}
