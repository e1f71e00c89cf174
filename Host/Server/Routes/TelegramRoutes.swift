import HTTPTypes
import Hummingbird
import MarketCore
import MarketStore
import TelegramChannel

/// Telegram's webhook: `POST /telegram/{bot}`, `{bot}` the bot's opaque id. No bearer token:
/// the `X-Telegram-Bot-Api-Secret-Token` header authenticates, and `WebhookHandler` checks it.
/// 200 means the update is stored; Telegram delivers anything else again later.
struct TelegramRoutes: RouteGroup {
    /// Nil when this server runs no Telegram channel; deliveries are then refused with 503.
    let webhook: WebhookHandler?

    struct Acknowledged: Encodable {
        let ok = true
    }

    func register(on routes: RouteRegistrar) {
        routes.on(.post, "/telegram/{bot}") { request, context in
            guard let webhook else {
                throw Problem(.databaseUnavailable, "this server runs no Telegram channel",
                              fix: "run market serve with its database; Telegram delivers the update again", status: .serviceUnavailable)
            }
            var request = request
            let buffer = try await RequestBodyReader.collect(&request, upTo: WebhookHandler.maximumBody, context: context)
            let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
            let status = await webhook.handle(botID: RequestInput.path(context, "bot"), headers: headers,
                                              body: Array(buffer.readableBytesView))
            switch status {
            case 200: return try JSONResponse.make(Acknowledged())
            case 400: throw Problem(.telegramUpdateInvalid, "the body is not a Telegram update", fix: "send the Update object Telegram sends",
                                    status: .badRequest)
            case 401: throw Problem(.unauthenticated, "the secret token header is missing or wrong",
                                    fix: "set the webhook again with `market telegram set-webhook`, which sends Telegram the secret")
            case 404: throw Problem(.telegramBotNotFound, "there is no Telegram bot with this id", fix: "list the bots with `market telegram list`",
                                    status: .notFound)
            case 413: throw Problem(.badRequest, "the body is larger than a Telegram update can be", fix: "send one update per request",
                                    status: .contentTooLarge)
            default: throw Problem(.databaseUnavailable, "the update could not be stored now", fix: "Telegram delivers it again; check the database",
                                   status: .serviceUnavailable)
            }
        }
    }
}
