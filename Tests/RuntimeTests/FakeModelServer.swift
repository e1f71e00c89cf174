import Foundation
import MarketCore
import MarketTestSupport

/// Tests/Fixtures/fake-llm/server.py on an ephemeral loopback port: OpenAI's and Anthropic's
/// HTTP APIs as the vendors speak them, with scenarios picked by the request's model name.
final class FakeModelServer: Sendable {
    let server: LoopbackServerProcess

    init() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fake-llm/server.py")
        // It prints "listening on N" once it accepts connections.
        server = try LoopbackServerProcess(["python3", "-u", script.path]) { seen in
            guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) else { return nil }
            return Int(line.dropFirst("listening on ".count))
        }
    }

    var root: String { "http://127.0.0.1:\(server.port)" }

    /// The requests the server received, in order: path, body and the headers that matter.
    func requests() async throws -> [JSONValue] {
        let output = try await runProcess("curl", ["-s", "\(root)/requests"])
        guard case .array(let entries) = try JSONValue(parsing: output.stdout) else { return [] }
        return entries
    }
}
