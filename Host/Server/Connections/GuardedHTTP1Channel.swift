import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Hummingbird's HTTP/1 channel behind Market's connection rules: each connection is admitted
/// by the `ConnectionRegistry` (at the cap, the longest-idle one makes room) and timed by a
/// `ConnectionDeadlineHandler`. A connection that cannot be admitted gets one clear answer to
/// its first request, 503 `SERVER_BUSY` with `Retry-After`, and is closed.
struct GuardedHTTP1Channel: ServerChildChannel {
    struct Connection: ServerChildChannelValue {
        let http: HTTP1Channel.Value
        let admitted: Bool
        var channel: any Channel { http.channel }
    }

    /// How long a refused connection may take to send the request it is refused.
    static let refusalTimeout = Duration.seconds(2)

    let http1: HTTP1Channel
    let registry: ConnectionRegistry
    let timeouts: ConnectionTimeouts

    init(responder: @escaping HTTPChannelHandler.Responder, registry: ConnectionRegistry, timeouts: ConnectionTimeouts) {
        http1 = HTTP1Channel(responder: responder)
        self.registry = registry
        self.timeouts = timeouts
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Connection> {
        let admitted = registry.admit(channel)
        if admitted {
            let registry = registry
            channel.closeFuture.whenComplete { _ in registry.remove(channel) }
        }
        let deadlines = admitted ? timeouts
            : ConnectionTimeouts(header: min(timeouts.header, Self.refusalTimeout), body: timeouts.body, idle: timeouts.idle)
        let handlerLogger = logger
        // The handler is built here, once per connection, so it knows whether it was admitted.
        let configured = HTTP1Channel(responder: http1.responder, configuration: .init(additionalChannelHandlers: [
            ConnectionDeadlineHandler(timeouts: deadlines, registry: admitted ? registry : nil, logger: handlerLogger),
        ]))
        return configured.setup(channel: channel, logger: logger).map { Connection(http: $0, admitted: admitted) }
    }

    func handle(value: Connection, logger: Logger) async {
        guard value.admitted else {
            await refuse(value.http, logger: logger)
            return
        }
        await http1.handle(value: value.http, logger: logger)
    }

    /// Answers the connection's first request with 503 `SERVER_BUSY` and closes it.
    private func refuse(_ http: HTTP1Channel.Value, logger: Logger) async {
        logger.warning("refusing a connection: every connection the server may hold is serving a request",
                       metadata: ["connections": .stringConvertible(registry.maximum)])
        try? await http.executeThenClose { inbound, outbound in
            for try await part in inbound {
                guard case .head(let head) = part else { continue }
                let problem = Problem(.serverBusy, "the server is serving as many connections as it may",
                                      fix: "retry after the number of seconds in Retry-After")
                let body = problem.encodedBody(instance: head.path ?? "/", requestID: nil)
                try await outbound.write(.head(HTTPResponse(status: .serviceUnavailable, headerFields: [
                    .contentType: Problem.mediaType, .contentLength: String(body.count), .retryAfter: "1", .connection: "close",
                ])))
                try await outbound.write(.body(ByteBuffer(bytes: body)))
                try await outbound.write(.end(nil))
                return
            }
        }
    }
}
