import Foundation
import MarketTestSupport
import StoreTestSupport
import Testing

/// A `market serve` (the real binary, so the executable's metrics backend) driven through
/// traffic of every kind a metric of docs/operations.md counts: API calls and their errors, chat
/// turns answered by the model with a tool call, a slash command whose tool fails (a fallback), a
/// model that fails, a Telegram update answered after a 429, bot events delivered to textkit, a
/// webhook endpoint whose deliveries fail, and a plugin installed through the desired state.
struct ObservabilityWorld {
    let server: BotServer
    /// The registry the desired state installs textkit from; it lives as long as the world.
    let registry: LoopbackServerProcess
    let folder: URL

    var port: Int { server.port }

    static func start() async throws -> ObservabilityWorld {
        let folder = try temporaryDirectory("observability")
        let server = BotServer(state: folder.appendingPathComponent("state"), databaseURL: try await freshDatabase(migrated: true),
                               telegram: try await FakeBotAPI.start(), model: try await FakeModel.start())
        try FileManager.default.createDirectory(at: server.state, withIntermediateDirectories: true)
        let registry = try await Self.registry(in: folder, server: server)
        // acme: textkit (which takes every event), webhooks, and the openai plugin on the fake's
        // agent, which calls the tool the message names; beta: a model that always fails.
        let model = "base_url=\(server.model.root)/v1"
        for arguments in [["tenant", "create", "acme"], ["enable", "textkit", "--tenant", "acme"],
                          ["config", "openai", "--tenant", "acme", model, "model=agent", "max_retries=0"], ["enable", "openai", "--tenant", "acme"],
                          ["enable", "webhooks", "--tenant", "acme"],
                          ["webhooks", "endpoints", "add", "http://127.0.0.1:9/hook", "--tenant", "acme"],
                          ["tenant", "create", "beta"],
                          ["config", "openai", "--tenant", "beta", model, "model=context", "max_retries=0"], ["enable", "openai", "--tenant", "beta"]] {
            let output = try await server.market(arguments)
            try #require(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
        }
        try await server.serve()
        return ObservabilityWorld(server: server, registry: registry, folder: folder)
    }

    /// A signed registry with textkit 1.0.0, served over loopback, that the server's state folder
    /// and an operator's trust as `main`.
    private static func registry(in folder: URL, server: BotServer) async throws -> LoopbackServerProcess {
        let market = buildProductsDirectory.appendingPathComponent("market").path
        func run(_ arguments: [String]) async throws {
            let output = try await runProcess(market, arguments, in: folder)
            try #require(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
        }
        try await run(["keygen", "--out", "keys", "--name", "k"])
        try await run(["registry", "init", "site", "--root-key", "keys/k.key"])
        let plugins = try await FixturePlugin.textkit(version: "1.0.0", in: folder)
        try await run(["registry", "build", "site", "--key", "keys/k.key", "--plugins", plugins.path])
        let registry = try await ServerTests.DesiredState.serve(folder.appendingPathComponent("site"), port: 0)
        for state in [server.state.path, "operator"] {
            try await run(["registry", "add", "main", "http://127.0.0.1:\(registry.port)", "--root", "site/root.json", "--state-dir", state])
        }
        return registry
    }

    /// Sends the traffic, and waits until the server has counted all of it.
    func drive() async throws {
        let token = try await server.tenantToken()
        let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]

        // The desired state: textkit 1.0.0 for every node.
        let installed = try await runProcess(buildProductsDirectory.appendingPathComponent("market").path,
                                             ["install", "textkit@1.0.0", "--registry", "main", "--database", server.databaseURL,
                                              "--state-dir", "operator", "--no-wait"], in: folder)
        try #require(installed.status == 0, "\(installed.stdout)\(installed.stderr)")

        // HTTP: probes, the catalogue, a 404 and a 401.
        for path in ["/healthz", "/readyz", "/v1/plugins", "/v1/plugins/absent", "/v1/tenants/acme/plugins"] {
            _ = try await server.get(path)
        }

        // Chat: the model calls textkit's word_count, then answers with its result.
        let messages = "/v1/tenants/acme/chats/web-1/messages"
        let agent = try await server.post(messages, headers: auth, body: #"{"text": "{\"call\": \"word_count\", \"arguments\": {\"text\": \"a b c\"}}", "user": "u-1"}"#)
        #expect(agent.status == 200 && agent.text.contains("Result: "), "\(agent.text)")
        // A slash command whose tool refuses its arguments: a fallback turn.
        let refused = try await server.post(messages, headers: auth, body: #"{"text": "/word_count", "user": "u-1"}"#)
        #expect(refused.status == 200, "\(refused.text)")
        // beta's model fails.
        let betaToken = try await server.market(["tenant", "token", "beta"], plugins: false).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let failed = try await server.post("/v1/tenants/beta/chats/web-2/messages",
                                           headers: ["Authorization": "Bearer \(betaToken)", "Content-Type": "application/json"],
                                           body: #"{"text": "hello", "user": "u-2"}"#)
        #expect(failed.status == 200, "\(failed.text)")

        // Telegram: an update by webhook, its reply refused once with 429, then sent.
        _ = try await server.connectBot()
        let fake = server.telegram
        try await fake.fail("sendMessage", code: 429, description: "Too Many Requests: retry after 1", retryAfter: 1)
        #expect(try await fake.deliver(FakeBotAPI.textUpdate(1, chat: 7, text: "/word_count text=\"one two\"")) == 200)
        try await eventually(within: 30, "the Telegram reply is sent after the 429") { try await fake.sentTexts(chat: 7).count == 2 }

        // The events of all that reach textkit, the endpoint's deliveries fail, the plugin converges.
        try await eventually(within: 60, "the deliveries, the target attempts and the convergence are counted") {
            let text = try await server.get("/metrics").text
            let samples = MetricsExposition(text)
            return samples.sum("market_deliveries_total", ["outcome": "delivered"]) > 0
                && samples.sum("market_target_deliveries_total") > 0
                && samples.sum("market_plugin_converged", ["plugin": "textkit"]) == 1
                && samples.sum("market_telegram_api_calls_total", ["outcome": "rate_limited"]) > 0
        }
    }
}

extension BotServer {
    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await LoopbackHTTP.get(path, port: port, headers: headers)
    }

    func post(_ path: String, headers: [String: String], body: String) async throws -> HTTPReply {
        try await LoopbackHTTP.request("POST", path, port: port, headers: headers, body: body)
    }
}
