import Foundation
import MarketCore

/// Tests/Fixtures/webhook-receiver/server.py on an ephemeral loopback port: records what the
/// webhooks plugin sends, answers as the path says, and verifies signatures with the
/// `standardwebhooks` library ("v1") and `cryptography`'s Ed25519 ("v1a").
public final class WebhookReceiver: Sendable {
    public let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    public static func start() async throws -> WebhookReceiver {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webhook-receiver/server.py")
        return WebhookReceiver(server: try await LoopbackServerProcess.start(["python3", "-u", script.path]) { seen in
            guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else { return nil }
            return Int(line.dropFirst("listening on ".count))
        })
    }

    public var root: String { "http://127.0.0.1:\(server.port)" }

    /// Every request received so far: `path`, `headers` (lower-cased names) and `body`.
    public func requests() async throws -> [JSONValue] {
        guard case .array(let entries) = try JSONValue(parsing: try await get("/requests")) else { return [] }
        return entries
    }

    /// How many requests arrived so far (cheaper than `requests()` while thousands arrive).
    public func count() async throws -> Int {
        Int(try await get("/count").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    public func get(_ path: String) async throws -> String {
        try await runProcess("curl", ["-s", "\(root)\(path)"]).stdout
    }

    /// Whether request `index` verifies with `secret` (`whsec_…`) or `publicKey` (`whpk_…`), by
    /// the receiver's independent implementations; the error when it does not.
    public func verify(_ index: Int, secret: String? = nil, publicKey: String? = nil) async throws -> (ok: Bool, error: String?) {
        var question: [String: JSONValue] = ["index": .integer(Int64(index))]
        if let secret { question["secret"] = .string(secret) }
        if let publicKey { question["public_key"] = .string(publicKey) }
        let output = try await runProcess("curl", ["-s", "-X", "POST", "--data-binary", JSONValue.object(question).jsonText, "\(root)/verify"])
        let answer = try JSONValue(parsing: output.stdout)
        return (answer["ok"] == .bool(true), answer["error"].flatMap { if case .string(let text) = $0 { text } else { nil } })
    }
}
