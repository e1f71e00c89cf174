import Hummingbird
import HummingbirdTesting
import TelegramChannel
import Testing

/// Market's webhook route, standing in for Market's server: `POST /telegram/{bot id}` handed to
/// a `WebhookHandler`, answered with the status it returns. It runs on Hummingbird's test
/// framework in live mode, since the fake Telegram delivers updates over a real socket.
struct WebhookServer: Sendable {
    let port: Int

    func url(for bot: TelegramBot) -> String { "http://127.0.0.1:\(port)\(bot.webhookPath)" }

    /// Runs `body` while the route serves on a loopback port.
    static func serving(_ handler: WebhookHandler, _ body: @Sendable (WebhookServer) async throws -> Void) async throws {
        let router = Router()
        router.post("/telegram/:bot") { request, context in
            // One byte past the handler's limit, so that it is the handler that refuses (413).
            let bytes = try await request.body.collect(upTo: WebhookHandler.maximumBody + 1)
            let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
            let status = await handler.handle(botID: context.parameters.get("bot") ?? "", headers: headers, body: Array(bytes.readableBytesView))
            return Response(status: .init(code: status))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body(WebhookServer(port: try #require(client.port)))
        }
    }
}
