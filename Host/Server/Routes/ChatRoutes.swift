import Foundation
import HTTPTypes
import Hummingbird
import MarketBot
import MarketCore
import MarketStore
import NIOCore

/// The bot over HTTP, for a web chat or any client: `/v1/tenants/{tenant}/chats/{chat}/…` to
/// send a message (a JSON reply, or server-sent events with `Accept: text/event-stream`) and
/// feedback, `/v1/tenants/{tenant}/conversations/{conversation}/messages` for the history, and
/// `/v1/tenants/{tenant}/experiments/{experiment}/report` for an A/B test's figures.
///
/// `{chat}` is the client's name for the chat; it and the tenant make the conversation, so the
/// same chat id continues the same conversation.
struct ChatRoutes: RouteGroup {
    /// Nil when this server runs no bot; the routes then answer 503.
    let chat: ChatServices?

    /// The channel name chats through this API carry in events and the store.
    static let channel = "api"
    static let textLimit = 16_000

    func register(on routes: RouteRegistrar) {
        let chatBase = "/v1/tenants/{tenant}/chats/{chat}"
        routes.on(.post, chatBase + "/messages", access: .authenticated) { request, context in
            let (_, tenant) = try Scope.tenant(context)
            let services = try available()
            let body = try await RequestInput.object(request, context: context, allowed: ["text", "user"])
            guard let text = try RequestInput.string(body, "text", maxLength: Self.textLimit),
                  !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem(.badRequest, "'text' is required and must not be blank", fix: "send {\"text\": \"hello\"}")
            }
            let address = try address(context, body)
            if Self.wantsEvents(request) {
                return ChatEventStream.response(services.engine.replyStream(to: text, from: address, tenant: tenant))
            }
            let reply = try await services.engine.respond(to: text, from: address, tenant: tenant)
            return try JSONResponse.make(ChatReplyResource(reply))
        }
        routes.on(.post, chatBase + "/feedback", access: .authenticated) { request, context in
            let (_, tenant) = try Scope.tenant(context)
            let services = try available()
            let body = try await RequestInput.object(request, context: context, allowed: ["value", "user"])
            let command: String
            switch try RequestInput.string(body, "value") {
            case "up"?: command = "/feedback up"
            case "down"?: command = "/feedback down"
            default: throw Problem(.badRequest, "'value' must be \"up\" or \"down\"", fix: "send {\"value\": \"up\"}")
            }
            let reply = try await services.engine.respond(to: command, from: try address(context, body), tenant: tenant)
            return try JSONResponse.make(ChatReplyResource(reply))
        }
        routes.get("/v1/tenants/{tenant}/conversations/{conversation}/messages", access: .authenticated) { _, context in
            let (_, tenant) = try Scope.tenant(context)
            let services = try available()
            let conversation = RequestInput.path(context, "conversation")
            guard conversation.range(of: "^cnv_[A-Za-z0-9]{1,64}$", options: .regularExpression) != nil else {
                throw Problem(.badRequest, "'\(RequestInput.shown(conversation))' is not a conversation id",
                              fix: "use the conversation_id a reply carries, e.g. cnv_…")
            }
            let turns = try await services.conversations.history(conversation: conversation, tenant: tenant)
            // Every conversation holds its first message: none means no such conversation here.
            guard !turns.isEmpty else {
                throw Problem(.conversationNotFound, "tenant \(tenant) has no conversation \(conversation)",
                              fix: "send a message first; its reply's conversation_id names the conversation", status: .notFound)
            }
            return try JSONResponse.make(ChatHistoryResource(
                conversationID: conversation,
                messages: turns.filter { $0.role == .user || $0.role == .assistant }.map { .init(role: $0.role.rawValue, content: $0.content) }))
        }
        routes.get("/v1/tenants/{tenant}/experiments/{experiment}/report", access: .authenticated) { _, context in
            let (_, tenant) = try Scope.tenant(context)
            let services = try available()
            let experiment = RequestInput.path(context, "experiment")
            guard experiment.range(of: "^[a-z0-9][a-z0-9_-]{0,63}$", options: .regularExpression) != nil else {
                throw Problem(.badRequest, "'\(RequestInput.shown(experiment))' is not an experiment id", fix: "ids are 1–64 of a–z 0–9 _ -")
            }
            do {
                return try JSONResponse.make(ExperimentReportResource(try await services.experiments.report(experiment, tenant: tenant)))
            } catch let error as MarketError where error.code == .experimentNotFound {
                throw Problem(error.code, error.message, fix: error.fix, status: .notFound)
            }
        }
    }

    private func available() throws -> ChatServices {
        guard let chat else {
            throw Problem(.databaseUnavailable, "this server runs no bot", fix: "run market serve with its database", status: .serviceUnavailable)
        }
        return chat
    }

    /// The engine's address of a chat: the path's chat id, and `user` (the chat id when absent).
    private func address(_ context: MarketRequestContext, _ body: [String: JSONValue]) throws -> ChatAddress {
        let chat = RequestInput.path(context, "chat")
        // No ':' in a path segment: clients would percent-encode it.
        guard chat.range(of: "^[A-Za-z0-9._-]{1,128}$", options: .regularExpression) != nil else {
            throw Problem(.badRequest, "'\(RequestInput.shown(chat))' is not a chat id", fix: "use 1–128 of A–Z a–z 0–9 . _ -")
        }
        let user = try RequestInput.string(body, "user") ?? chat
        guard Self.isValidName(user) else {
            throw Problem(.badRequest, "'user' must be 1–128 of A–Z a–z 0–9 . _ : -", fix: "send a stable id of the user, e.g. \"u-42\"")
        }
        return ChatAddress(channel: Self.channel, chatID: chat, userID: user)
    }

    static func isValidName(_ text: String) -> Bool {
        text.range(of: "^[A-Za-z0-9._:-]{1,128}$", options: .regularExpression) != nil
    }

    static func wantsEvents(_ request: Request) -> Bool {
        request.headers[.accept]?.lowercased().contains("text/event-stream") == true
    }
}

/// A reply as server-sent events: `chunk` events with pieces of text as they are made,
/// `notice` events, then one `reply` event with the whole reply, or an `error` event.
enum ChatEventStream {
    static func response(_ chunks: AsyncThrowingStream<ReplyChunk, any Error>) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            var text = ""
            var notices: [String] = []
            do {
                for try await chunk in chunks {
                    switch chunk {
                    case .text(let piece):
                        text += piece
                        try await writer.write(event("chunk", ["text": .string(piece)]))
                    case .notice(let notice):
                        notices.append(notice)
                        try await writer.write(event("notice", ["text": .string(notice)]))
                    }
                }
                try await writer.write(event("reply", ["text": .string(text), "notices": .array(notices.map(JSONValue.string))]))
            } catch {
                // The same text a problem response would carry: never the database's own message.
                let failure = ProblemMiddleware.problem(for: error)
                try await writer.write(event("error", ["code": .string(failure.code.rawValue), "detail": .string(failure.detail),
                                                       "fix": .string(failure.fix)]))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// One event; the data is one line of JSON, so it never needs splitting.
    static func event(_ name: String, _ data: [String: JSONValue]) -> ByteBuffer {
        ByteBuffer(string: "event: \(name)\ndata: \(JSONValue.object(data).jsonText)\n\n")
    }
}
