import Foundation
import PluginKit

/// One attempt to deliver one event to one endpoint: sign, POST, and turn the answer into the
/// host's outcome. Only the endpoint's decoded settings and keys are kept between attempts
/// (`EndpointCache`); the host owns the queue and the retries.
struct Delivery {
    let event: Event
    let target: TargetDelivery
    /// Where the target's decoded settings and signing keys are kept between attempts.
    let endpoints: EndpointCache

    /// The bytes of the response body kept for the attempt log. The transfer stops there.
    static let responsePrefixBytes = 1024

    func send(through host: PluginHost, context: CallContext) throws -> DeliveryOutcome {
        let endpoint = try endpoints.endpoint(for: target)
        let settings = endpoint.settings
        let body = try OutboundMessage.body(of: event)
        let now = Date()
        let timestamp = Int(now.timeIntervalSince1970)
        let signature = try endpoint.signature(id: event.id, timestamp: timestamp, body: body, at: now)
        let timeout = settings.timeout_seconds ?? EndpointSettings.defaultTimeoutSeconds
        let headers: [(name: String, value: String)] = [("content-type", "application/json"), ("user-agent", "Market-Webhooks/1.0"), ("webhook-id", event.id),
                       ("webhook-timestamp", String(timestamp)), ("webhook-signature", signature)]
            + endpoint.customHeaders
        // A long body is cut at the prefix: the host stops reading there and still reports the
        // status (acceptsTruncatedBody), so a 20 MB answer costs one KiB.
        let request = HTTPRequest(method: "POST", url: settings.url, headers: headers, body: body, timeoutMilliseconds: UInt32(timeout * 1000),
                                  maxResponseBytes: UInt64(Self.responsePrefixBytes), acceptsTruncatedBody: true)
        let start = monotonicNanoseconds()
        let response: HTTPResponse
        do {
            response = try host.fetch(request, context: context)
        } catch let failure as PluginError {
            return Self.outcome(of: failure.status, timeout: timeout, milliseconds: Self.milliseconds(since: start))
        }
        return Self.outcome(of: response, milliseconds: Self.milliseconds(since: start))
    }

    /// The outcome of an answer: 2xx delivered; 410 disables the endpoint; 429, 502, 503 and 504
    /// retry after the endpoint's `Retry-After`; anything else, redirects included, retries.
    static func outcome(of response: HTTPResponse, milliseconds: Int, now: Date = Date()) -> DeliveryOutcome {
        let status = response.status
        let prefix = responsePrefix(response.body)
        switch status {
        case 200...299:
            return DeliveryOutcome(.delivered, status: status, durationMilliseconds: milliseconds, response: prefix)
        case 410:
            return DeliveryOutcome(.disableTarget, status: status, durationMilliseconds: milliseconds, response: prefix,
                                   error: "the endpoint answered 410 Gone, so it is disabled; enable it again once it accepts deliveries")
        case 429, 502, 503, 504:
            return DeliveryOutcome(.retry, retryAfterSeconds: Self.retryAfterSeconds(response, now: now), status: status,
                                   durationMilliseconds: milliseconds, response: prefix, error: "the endpoint answered \(status)")
        case 300...399:
            return DeliveryOutcome(.retry, status: status, durationMilliseconds: milliseconds, response: prefix,
                                   error: "the endpoint answered \(status), a redirect, which is not followed; set the endpoint's URL to where it points")
        default:
            return DeliveryOutcome(.retry, status: status, durationMilliseconds: milliseconds, response: prefix, error: "the endpoint answered \(status)")
        }
    }

    /// The endpoint's wait in whole seconds, rounded up and at most a day: the host pauses the
    /// whole endpoint that long.
    static func retryAfterSeconds(_ response: HTTPResponse, now: Date) -> Int? {
        response.retryAfterMilliseconds(now: now).map { Int(min(($0 + 999) / 1_000, 86_400)) }
    }

    /// The outcome when no answer came: the host's status for the transfer.
    static func outcome(of failure: Status, timeout: Int, milliseconds: Int) -> DeliveryOutcome {
        switch failure {
        case .permissionDenied, .invalidArgument:
            // The host will not send to this URL (an address the operator has not allowed, say):
            // no retry can change that, so the endpoint waits, disabled, with the reason.
            return DeliveryOutcome(.disableTarget, durationMilliseconds: milliseconds,
                                   error: "the host refused to send to this URL (\(failure)): a private or loopback address needs the operator's permission; otherwise correct the URL")
        case .timeout:
            return DeliveryOutcome(.retry, durationMilliseconds: milliseconds, error: "no complete answer within \(timeout) s")
        case .unavailable:
            return DeliveryOutcome(.retry, durationMilliseconds: milliseconds, error: "could not connect to the endpoint (DNS, connection or TLS failure)")
        case .tooLarge:
            return DeliveryOutcome(.retry, durationMilliseconds: milliseconds,
                                   error: "the answer was longer than \(responsePrefixBytes) bytes and this host's market.http/1 does not report the status of a cut answer")
        default:
            return DeliveryOutcome(.retry, durationMilliseconds: milliseconds, error: "the delivery failed: \(failure)")
        }
    }

    /// At most `responsePrefixBytes` bytes of the body as text, cut at a character boundary.
    static func responsePrefix(_ body: [UInt8]) -> String {
        var text = String(decoding: body.prefix(responsePrefixBytes), as: UTF8.self)
        while text.utf8.count > responsePrefixBytes { text.removeLast() }
        return text
    }

    static func milliseconds(since start: UInt64) -> Int {
        Int((monotonicNanoseconds() - start) / 1_000_000)
    }
}
