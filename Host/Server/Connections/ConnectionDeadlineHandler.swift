import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow or too quiet: the first request's head must
/// arrive within the header timeout of the connection opening, a request's body within the
/// body timeout of its head, and the next request's head within the idle timeout of the last
/// response. Sits after the HTTP/1 decoder, so it sees whole request heads; the time a route
/// takes to answer is not limited here. It also tells the registry which connections are idle.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Raised into the request body's stream when the body timeout closes the connection, so the
    /// route reading it reports the client's slowness rather than a truncated body.
    struct BodyTimeout: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "the request body did not arrive within \(limit)" }
    }

    private let timeouts: ConnectionTimeouts
    private let registry: ConnectionRegistry?
    private let logger: Logger
    private var timer: Scheduled<Void>?
    /// Requests whose head was read and whose response has not ended.
    private var openRequests = 0
    private var readingBody = false

    /// - Parameter registry: the registry that admitted the connection; nil for one being refused.
    init(timeouts: ConnectionTimeouts, registry: ConnectionRegistry?, logger: Logger) {
        self.timeouts = timeouts
        self.registry = registry
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context, after: timeouts.header, waitingFor: "the first request's head")
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            openRequests += 1
            readingBody = true
            registry?.requestStarted(context.channel)
            arm(context, after: timeouts.body, waitingFor: "the request body", bodyTimeout: true)
        case .body:
            break
        case .end:
            readingBody = false
            // The route's own time to answer is not this handler's to limit.
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            openRequests = max(0, openRequests - 1)
            registry?.requestEnded(context.channel)
            if openRequests == 0, !readingBody {
                arm(context, after: timeouts.idle, waitingFor: "the next request")
            }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, after limit: Duration, waitingFor what: String, bodyTimeout: Bool = false) {
        disarm()
        let logger = logger
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) {
            logger.debug("closing a slow or idle connection", metadata: [
                "waiting_for": .string(what), "timeout": .stringConvertible(limit),
                "remote": .string(context.channel.remoteAddress?.description ?? "unknown"),
            ])
            if bodyTimeout { context.fireErrorCaught(BodyTimeout(limit: limit)) }
            context.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
