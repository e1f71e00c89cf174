import NIOCore
import NIOHTTP1
import NIOPosix
import TelegramChannel

/// A minimal HTTP server on loopback for the tests, standing in for Market's server: it hands
/// `POST /telegram/<bot id>` to a `WebhookHandler` and answers with the status it returns.
final class WebhookServer: Sendable {
    let channel: any Channel
    let group: MultiThreadedEventLoopGroup
    var port: Int { channel.localAddress?.port ?? 0 }

    init(handler: WebhookHandler) async throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(WebhookRoute(handler: handler))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func url(for bot: TelegramBot) -> String { "http://127.0.0.1:\(port)\(bot.webhookPath)" }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class WebhookRoute: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler on its channel's event loop only; `head` and `body` are
    // touched there alone.
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let handler: WebhookHandler
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(handler: WebhookHandler) {
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let path = head.uri.split(separator: "/")
            let botID = path.count == 2 && path[0] == "telegram" ? String(path[1]) : ""
            let headers = head.headers.map { (name: $0.name, value: $0.value) }
            let body = self.body
            let promise = context.eventLoop.makePromise(of: Int.self)
            let handler = self.handler
            promise.completeWithTask { await handler.handle(botID: botID, headers: headers, body: body) }
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { status in
                let context = bound.value
                var headers = HTTPHeaders()
                headers.add(name: "Content-Length", value: "0")
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: status), headers: headers))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
