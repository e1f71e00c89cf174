import Foundation

/// A reply the handler has computed, as the messages that carry it, and how many of them went
/// out. When a send fails, or the processor stops, it is kept with its update, so the retry
/// sends the rest and never asks the handler again: the conversation engine stored the turn,
/// ran its tools and published its events once.
public struct OutgoingReply: Codable, Sendable, Equatable {
    /// One message of the reply, as Telegram HTML.
    public struct Part: Codable, Sendable, Equatable {
        public let html: String
        /// The message it answers (the first part of a reply in a group).
        public let replyTo: Int64?
        public let buttons: [[InlineButton]]
        /// The bot's message it replaces (a streamed group reply's last edit), or nil for a new one.
        public let edit: Int64?

        public init(html: String, replyTo: Int64? = nil, buttons: [[InlineButton]] = [], edit: Int64? = nil) {
            self.html = html
            self.replyTo = replyTo
            self.buttons = buttons
            self.edit = edit
        }
    }

    public let chat: Int64
    public let parts: [Part]
    /// Parts sent so far: the next to send is `parts[sent]`.
    public var sent: Int
    /// The ids of the messages that hold the parts sent so far.
    public var messages: [Int64]

    public init(chat: Int64, parts: [Part], sent: Int = 0, messages: [Int64] = []) {
        self.chat = chat
        self.parts = parts
        self.sent = sent
        self.messages = messages
    }

    public var isComplete: Bool { sent >= parts.count }

    /// The reply as JSON text, as the inbox keeps it.
    public var jsonText: String {
        // Encoding a struct of strings, numbers and arrays of them cannot fail.
        String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// A reply the inbox kept.
    public init(jsonText: String) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(jsonText.utf8))
    }
}

/// A reply computed but not wholly sent: what is left of it, and why the send stopped.
struct UnsentReply: Error {
    let reply: OutgoingReply
    let underlying: any Error
}
