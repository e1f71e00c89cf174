import Foundation
import MarketCore
import MarketTestSupport
import StoreTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `market serve` (the real binary) on a fresh database with the real webhooks plugin built by
/// scripts/build-plugins.sh (`--plugins .build/market-plugins`), loopback allowed for plugins
/// (`--allow-network loopback`), tenant `acme` made and the plugin enabled through the API, and
/// the Python receiver that verifies with the `standardwebhooks` library.
final class WebhooksServeWorld: Sendable {
    let state: URL
    let database: String
    let receiver: WebhookReceiver
    let admin: String
    private let current: ServeBox

    /// The server now serving; a restart replaces it.
    var serve: ServeProcess { current.serve.withLock { $0 } }
    var port: Int { current.port.withLock { $0 } }

    final class ServeBox: Sendable {
        let serve: Mutex<ServeProcess>
        let port: Mutex<Int>
        init(_ serve: ServeProcess, port: Int) {
            self.serve = Mutex(serve)
            self.port = Mutex(port)
        }
    }

    /// A short retry schedule, so a test never waits the default's five minutes.
    static let schedule = "0,1,1,1,1,1,1,1"

    private init(state: URL, database: String, receiver: WebhookReceiver, admin: String, current: ServeBox) {
        self.state = state
        self.database = database
        self.receiver = receiver
        self.admin = admin
        self.current = current
    }

    static func make(allowNetwork: String = "loopback") async throws -> WebhooksServeWorld {
        let root = try temporaryDirectory("webhooks-serve")
        let state = root.appendingPathComponent("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let database = try await freshDatabase(migrated: true)
        let receiver = try await WebhookReceiver.start()
        let (serve, port) = try await start(state: state, database: database, allowNetwork: allowNetwork)
        let admin = try await adminToken(serve)
        let world = WebhooksServeWorld(state: state, database: database, receiver: receiver, admin: admin, current: ServeBox(serve, port: port))
        try await world.ok("POST", "/v1/tenants", #"{"id":"acme"}"#)
        try await world.ok("POST", "/v1/tenants/acme/plugins/webhooks/enable")
        return world
    }

    private static func start(state: URL, database: String, allowNetwork: String) async throws -> (ServeProcess, Int) {
        let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--plugins", Repository.builtPlugins.path,
                                      "--allow-network", allowNetwork, "--target-retry-schedule", schedule,
                                      // A plugin's deliver call may run past one attempt's 15 s; a crash's claims lapse soon.
                                      "--delivery-timeout", "20", "--delivery-lease", "21"],
                                     removing: ["MARKET_LOG_LEVEL", "MARKET_HOME", "MARKET_REGISTRY"],
                                     environment: ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""])
        let listening = try await serve.line(within: 120) { $0.contains("\"message\":\"listening\"") }
        let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
        return (serve, try #require((record["port"] as? String).flatMap(Int.init)))
    }

    private static func adminToken(_ serve: ServeProcess) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let range = serve.standardError.range(of: #"mka_[A-Za-z0-9_-]{43}"#, options: .regularExpression) {
                return String(serve.standardError[range])
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HTTPTestFailure("market serve printed no admin token: \(serve.standardError)")
    }

    /// Kills the server with SIGKILL: nothing drains, claims in flight stay claimed until their lease lapses.
    func kill() async throws {
        serve.signal(SIGKILL)
        _ = try await serve.exitStatus(within: 30)
    }

    /// Starts another server on the same database and state folder.
    func restart() async throws {
        let (fresh, port) = try await Self.start(state: state, database: database, allowNetwork: "loopback")
        current.serve.withLock { $0 = fresh }
        current.port.withLock { $0 = port }
    }

    func stop() {
        serve.signal(SIGKILL)
    }

    /// The `market` CLI on the server's database, state folder and plugins.
    func market(_ arguments: [String]) async throws -> ProcessOutput {
        try await runProcess(buildProductsDirectory.appendingPathComponent("market").path,
                             arguments + ["--state-dir", state.path, "--plugins", Repository.builtPlugins.path],
                             environment: ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""])
    }

    /// A request with the admin token.
    func call(_ method: String, _ path: String, _ body: String? = nil, headers: [String: String] = [:]) async throws -> HTTPReply {
        var all = ["Authorization": "Bearer \(admin)", "Content-Type": "application/json"]
        all.merge(headers) { _, new in new }
        return try await LoopbackHTTP.request(method, path, port: port, headers: all, body: body)
    }

    /// A request with the admin token that must succeed; its JSON object.
    @discardableResult
    func ok(_ method: String, _ path: String, _ body: String? = nil) async throws -> [String: Any] {
        let reply = try await call(method, path, body)
        guard (200..<300).contains(reply.status) else { throw HTTPTestFailure("\(method) \(path): \(reply.status) \(reply.text)") }
        return reply.body.isEmpty ? [:] : try reply.json()
    }

    /// Adds an endpoint through the API: its id and `whsec_` secret.
    func addEndpoint(_ url: String, types: [String] = ["*"]) async throws -> (id: String, secret: String) {
        let body = JSONValue.object(["url": .string(url), "types": .array(types.map(JSONValue.string))]).jsonText
        let endpoint = try await ok("POST", "/v1/tenants/acme/webhooks/endpoints", body)
        return (try #require(endpoint["id"] as? String), try #require((endpoint["secrets"] as? [String: Any])?["secret"] as? String))
    }

    /// Publishes an event through the API; its id.
    @discardableResult
    func publish(_ id: String, type: String = "order.paid", data: String = #"{"n":1}"#) async throws -> String {
        try await ok("POST", "/v1/tenants/acme/events", #"{"id":"\#(id)","type":"\#(type)","data":\#(data)}"#)
        return id
    }

    /// The endpoint's attempt log for one message.
    func attempts(_ endpoint: String, _ event: String) async throws -> [[String: Any]] {
        try #require(try await ok("GET", "/v1/tenants/acme/webhooks/messages/\(endpoint):\(event)/attempts")["attempts"] as? [[String: Any]])
    }

    /// Every event of the tenant of `type`.
    func events(type: String) async throws -> [[String: Any]] {
        try #require(try await ok("GET", "/v1/tenants/acme/events?type=\(type)&limit=1000")["events"] as? [[String: Any]])
    }

    /// The requests the receiver recorded, as (path, headers, body).
    func received() async throws -> [(path: String, headers: [String: String], body: String)] {
        try await receiver.requests().map { entry in
            var headers: [String: String] = [:]
            if case .object(let members)? = entry["headers"] {
                for (name, value) in members { if case .string(let text) = value { headers[name] = text } }
            }
            let text = { (value: JSONValue?) -> String in if case .string(let text)? = value { text } else { "" } }
            return (text(entry["path"]), headers, text(entry["body"]))
        }
    }
}

/// Signs like any Standard Webhooks sender, with the `standardwebhooks` library from PyPI.
enum StandardWebhooksSender {
    /// The `webhook-signature` header for `body` sent as `id` at `timestamp` with `secret`.
    static func signature(secret: String, id: String, timestamp: Int, body: String) async throws -> String {
        let script = """
            import sys, datetime
            from standardwebhooks.webhooks import Webhook
            secret, msg_id, ts, body = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
            print(Webhook(secret).sign(msg_id, datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc), body))
            """
        let output = try await runProcess("python3", ["-c", script, secret, id, String(timestamp), body])
        guard output.status == 0 else { throw HTTPTestFailure("signing failed: \(output.stderr)") }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
