import Foundation
import PluginKit

/// `POST /hooks/<hook id>/<source id>`: verifies a Standard Webhooks request and
/// publishes `webhook.received` for the tenant; anything else is refused with a problem answer
/// and nothing is published. See docs/webhooks-inbound.md.
struct InboundHook {
    let config: InboundConfig
    let host: PluginHost

    static let maximumBodyBytes = 1 << 20
    static let eventType = "webhook.received"

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        do {
            return try accept(request)
        } catch let problem as InboundProblem {
            return problem.problem.response
        } catch {
            return Problem(status: 503, code: "WEBHOOK_NOT_PUBLISHED", detail: "the event could not be published: \(error)",
                           fix: "send it again later").response
        }
    }

    private func accept(_ request: HTTPRequest) throws -> HTTPResponse {
        let path = request.url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        let sourceID = path.split(separator: "/").last.map(String.init) ?? ""
        guard let source = config.sources[sourceID], path.split(separator: "/").count == 1 else {
            throw InboundProblem(404, "WEBHOOK_SOURCE_NOT_FOUND", "there is no inbound webhook source at this URL",
                                 "use the hook URL of a source listed in the webhooks plugin's inbound_sources")
        }
        guard request.method == "POST" else {
            throw InboundProblem(405, "METHOD_NOT_ALLOWED", "inbound webhooks are sent with POST", "send a POST request")
        }
        guard request.body.count <= Self.maximumBodyBytes else {
            throw InboundProblem(413, "WEBHOOK_BODY_TOO_LARGE", "the body is larger than 1 MiB", "send at most 1 MiB per message")
        }
        guard !config.keys.isEmpty else {
            throw InboundProblem(503, "WEBHOOK_INBOUND_NOT_CONFIGURED",
                                 config.secretIsInvalid ? "this tenant's inbound_secret is not whsec_ secrets of 24 to 64 bytes"
                                                        : "this tenant has set no inbound_secret",
                                 "the tenant sets inbound_secret in the webhooks plugin's config")
        }
        let header = { (name: String) in request.headers.last { $0.name.lowercased() == name }?.value }
        let verified: (id: String, timestamp: Int)
        do {
            verified = try InboundVerifier(keys: config.keys).verify(id: header("webhook-id"), timestamp: header("webhook-timestamp"),
                                                                    signatures: header("webhook-signature"), body: request.body)
        } catch .missingHeaders {
            throw InboundProblem(400, "WEBHOOK_HEADERS_MISSING", "webhook-id, webhook-timestamp and webhook-signature are all required",
                                 "sign the message as Standard Webhooks describes")
        } catch .staleTimestamp {
            throw InboundProblem(401, "WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE", "webhook-timestamp is more than 5 minutes from now",
                                 "send with the current time in unix seconds; check the sender's clock")
        } catch {
            throw InboundProblem(401, "WEBHOOK_SIGNATURE_INVALID", "no v1 signature in webhook-signature matches the body",
                                 "sign id.timestamp.body with HMAC-SHA256 and the tenant's inbound secret")
        }
        let payload = try Self.payload(request)
        let data: [String: Any] = ["source": source.id, "type": source.event_type, "webhook_id": verified.id,
                                   "webhook_timestamp": verified.timestamp, "payload": payload]
        let eventID = try host.publish(Self.eventType, json: Array(try JSONSerialization.data(withJSONObject: data, options: [.sortedKeys])))
        let answer = try JSONSerialization.data(withJSONObject: ["event_id": eventID])
        return HTTPResponse(status: 202, headers: ["content-type": "application/json"], body: Array(answer))
    }

    /// The body as JSON: parsed JSON, or a form body as an object.
    static func payload(_ request: HTTPRequest) throws -> Any {
        let type = request.headers.last { $0.name.lowercased() == "content-type" }?.value.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            guard let object = FormBody.object(request.body) else {
                throw InboundProblem(400, "WEBHOOK_BODY_INVALID", "the form body is not valid UTF-8 url-encoded pairs", "send valid form data")
            }
            return object
        }
        guard let value = try? JSONSerialization.jsonObject(with: Data(request.body), options: [.fragmentsAllowed]) else {
            throw InboundProblem(400, "WEBHOOK_BODY_INVALID", "the body is not JSON", "send JSON, or a form with content-type application/x-www-form-urlencoded")
        }
        return value
    }
}

/// A refusal of an inbound request, answered as a problem.
struct InboundProblem: Error {
    let problem: Problem

    init(_ status: Int, _ code: String, _ detail: String, _ fix: String) {
        problem = Problem(status: status, code: code, detail: detail, fix: fix)
    }
}
