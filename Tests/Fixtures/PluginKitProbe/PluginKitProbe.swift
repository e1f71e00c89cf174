import Foundation
import PluginKit

/// A Swift plugin that exercises every part of PluginKit the example plugins do not: the
/// model, ingress, targets and event-batch capabilities, every event outcome, thrown errors, the
/// concurrent flag, and each host service through its Swift wrapper.
final class PluginKitProbe: ToolPlugin, EventBatchPlugin, ModelPlugin, IngressPlugin, TargetPlugin, ConnectionTestPlugin {
    static let id = "pluginkit-probe"
    static let version = "2.1.0"
    static let concurrency = PluginConcurrency.concurrent

    private let host: PluginHost
    private let greeting: String

    struct Config: Decodable { let greeting: String }

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        greeting = try config.decode(Config.self).greeting
    }

    struct Empty: Codable {}
    struct URLInput: Decodable { let url: String }
    struct StreamInput: Decodable { let url: String; let limit: Int }
    struct ProgramInput: Decodable { let program: String; let arguments: [String]; let input: String }
    struct Tour: Encodable {
        let greeting: String
        let stored: String?
        let keys: [String]
        let removed: Bool
        /// A time to live of 0 came back as `INVALID_ARGUMENT`.
        let zeroLifetimeRefused: Bool
        /// `market.cluster/1`'s count.
        let replicas: Int
        let secretLength: Int
        let eventID: String
        let cancelled: Bool
    }

    var tools: [Tool] {
        [
            Tool("tour", description: "Use every host service once.") { (_: Empty, context) in try self.tour(context) },
            Tool("refuse", description: "Always fails with NOT_FOUND.") { (_: Empty, _) -> Empty in
                throw PluginError(.notFound, "nothing here")
            },
            Tool("fetch", description: "GET a URL through the host.") { (input: URLInput, context) in
                let response = try self.host.fetch(HTTPRequest(url: input.url, headers: [("accept", "text/plain")]), context: context)
                return ["status": String(response.status), "length": String(response.body.count),
                        "type": response.headers["content-type"] ?? ""]
            },
            Tool("helper", description: "Run a helper program, feed it 'input', return its first output and exit status.") {
                (input: ProgramInput, _) -> [String: String] in
                let helper = try self.host.spawn(input.program, arguments: input.arguments, environment: ["PROBE": "1"])
                try helper.write(Array(input.input.utf8))
                var output: [UInt8] = []
                for _ in 0..<200 {
                    if let chunk = try helper.read(timeoutMilliseconds: 50) {
                        output += chunk
                        if output.contains(UInt8(ascii: "\n")) { break }
                    }
                }
                return ["output": String(decoding: output, as: UTF8.self), "handle": String(helper.handle),
                        "exit": input.input.hasPrefix("keep") ? "running" : String(helper.stop(graceMilliseconds: 500))]
            },
            Tool("stream", description: "GET a URL, counting the body as it arrives; stops after 'limit' bytes.") {
                (input: StreamInput, context) in
                var seen = 0
                var chunks = 0
                do {
                    let response = try self.host.fetch(HTTPRequest(url: input.url), context: context) { chunk in
                        seen += chunk.count
                        chunks += 1
                        if seen >= input.limit { throw PluginError(.cancelled, "enough") }
                    }
                    return ["status": response.status, "seen": seen, "chunks": chunks, "collected": response.body.count, "stopped": 0]
                } catch let error as PluginError where error.status == .cancelled {
                    return ["status": 0, "seen": seen, "chunks": chunks, "collected": 0, "stopped": 1]
                }
            },
        ]
    }

    private func tour(_ context: CallContext) throws -> Tour {
        host.log(.info, "touring", fields: ["step": "start"])
        try host.kvPut("k1", Array("v1".utf8))
        try host.kvPut("k2", Array("v2".utf8))
        let stored = try host.kvGet("k1").map { String(decoding: $0, as: UTF8.self) }
        try host.kvRemove("k2")
        let removed = try host.kvGet("k2") == nil
        try host.kvPut("k3", Array("v3".utf8), expiresAfter: 60)
        var zeroLifetimeRefused = false
        do {
            try host.kvPut("k4", Array("v4".utf8), expiresAfter: 0)
        } catch let error as PluginError where error.status == .invalidArgument {
            zeroLifetimeRefused = true
        }
        let keys = try host.kvKeys(prefix: "k")
        let secret = try host.secret("token")
        let id = try host.publish("probe.toured", data: ["keys": keys.count], conversationID: "c-1")
        try host.record(.counter, "tours_total", 1, labels: ["kind": "full"])
        return Tour(greeting: greeting, stored: stored, keys: keys, removed: removed, zeroLifetimeRefused: zeroLifetimeRefused, replicas: host.replicas, secretLength: secret.count,
                    eventID: id, cancelled: context.isCancelled)
    }

    struct Lead: Decodable { let name: String }

    func handle(event: Event, context: CallContext) throws -> EventOutcome {
        switch event.type {
        case "probe.retry": return .retryLater
        case "probe.reject": return .rejected
        case "probe.fail": throw PluginError(.unavailable, "the CRM is down")
        default:
            let lead = try event.data(as: Lead.self)
            try host.kvPut("last-lead", Array(lead.name.utf8))
            return .acknowledged
        }
    }

    /// A batch answers by type, row by row; one "probe.fail" in it fails the whole call.
    func handle(events: [Event], context: CallContext) throws -> [EventBatchOutcome] {
        try events.map { event -> EventBatchOutcome in
            switch event.type {
            case "probe.retry": return .retry("later, \(event.id)")
            case "probe.reject": return .rejected("never, \(event.id)")
            case "probe.fail": throw PluginError(.unavailable, "the CRM is down for the batch")
            default:
                try host.kvPut("batch-\(event.id)", Array(event.type.utf8))
                return .acknowledged
            }
        }
    }

    /// The settings are there; the credentials step passes on the host's "connections" answer.
    func testConnection(context: CallContext) throws -> [ConnectionTestStep] {
        var steps = [ConnectionTestStep("config", ok: !greeting.isEmpty, detail: "greeting is \"\(greeting)\"")]
        do {
            _ = try host.accessToken()
            steps.append(ConnectionTestStep("credentials", ok: true, detail: "the host gave a token"))
        } catch {
            steps.append(ConnectionTestStep("credentials", ok: false, detail: "\(error)"))
        }
        return steps
    }

    func complete(request: [UInt8], context: CallContext, stream: DeltaStream?) throws -> [UInt8] {
        if String(decoding: request, as: UTF8.self).contains("overloaded") {
            throw PluginError(.rateLimited, "try later", retryAfterMilliseconds: 250)
        }
        for piece in ["{\"content\":\"Good\"}", "{\"content\":\" day\"}"] { try stream?.send(Array(piece.utf8)) }
        return Array(#"{"message":{"role":"assistant","content":"Good day"},"finish_reason":"stop"}"#.utf8)
    }

    func handle(request: HTTPRequest, context: CallContext) throws -> HTTPResponse {
        HTTPResponse(status: 202, headers: ["x-probe": request.method],
                     body: Array("\(request.url) \(request.headers.count) \(request.body.count)".utf8))
    }
}

extension PluginKitProbe {
    struct TargetSettings: Codable { let colour: String }

    /// Echoes what it was asked; "update" is refused as a bad setting.
    func prepareTarget(request: TargetRequest, context: CallContext) throws -> PreparedTarget {
        guard request.action != .update else { throw PluginError(.invalidArgument, "settings.colour cannot change") }
        let settings = try request.settings(as: TargetSettings.self)
        let secrets = ["action": request.action.rawValue, "now": String(Int(request.now.timeIntervalSince1970)),
                       "overlap": request.overlapSeconds.map(String.init) ?? "none"]
        return try PreparedTarget(encoding: settings, secrets: secrets)
    }

    /// The target's id picks the outcome: a thrown error, a rejection, or a delivery echoing the event.
    func deliver(event: Event, target: TargetDelivery, context: CallContext) throws -> DeliveryOutcome {
        switch target.id {
        case "tgt_down": throw PluginError(.unavailable, "the destination is down")
        case "tgt_bad": throw PluginError(.rejected, "never")
        default:
            let colour = try target.settings(as: TargetSettings.self).colour
            return DeliveryOutcome(.retry, retryAfterSeconds: 5, status: 429, durationMilliseconds: 3,
                                   response: "\(event.type) \(colour) \(target.attempt)", error: "slow down")
        }
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(PluginKitProbe.self, hostABI: abi) }
