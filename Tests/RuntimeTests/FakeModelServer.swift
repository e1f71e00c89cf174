import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Synchronization

/// Tests/Fixtures/fake-llm/server.py on an ephemeral loopback port: OpenAI's and Anthropic's
/// HTTP APIs as the vendors speak them, with scenarios picked by the request's model name.
final class FakeModelServer: Sendable {
    let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    /// Starts a fake of its own.
    static func start() async throws -> FakeModelServer {
        return FakeModelServer(server: try await LoopbackServerProcess.fixture("fake-llm"))
    }

    var root: String { "http://127.0.0.1:\(server.port)" }

    /// The requests the server received, in order: path, body and the headers that matter.
    func requests() async throws -> [JSONValue] {
        let output = try await runProcess("curl", ["-s", "\(root)/requests"])
        guard case .array(let entries) = try JSONValue(parsing: output.stdout) else { return [] }
        return entries
    }
}

/// A model-provider plugin instance under test.
struct ModelProvider {
    let runtime: PluginRuntime
    let instance: PluginInstance

    /// Loads the built plugin `id` and creates an instance with `config` and an optional key.
    static func start(_ id: String, config: String, key: String?) async throws -> ModelProvider {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin(id)), tenantID: "t1", config: config,
                                                     secrets: key.map { ["api_key": $0] } ?? [:])
        return ModelProvider(runtime: runtime, instance: instance)
    }

    /// Runs a streamed completion; returns the deltas received and the final result.
    func streamed(_ request: String) async throws -> (deltas: [JSONValue], result: JSONValue) {
        let (deltas, result) = try await streamedRaw(request)
        return (try deltas.map { try JSONValue(parsing: $0) }, result)
    }

    /// Runs a streamed completion; returns the deltas as the host's sink received them.
    func streamedRaw(_ request: String) async throws -> (deltas: [String], result: JSONValue) {
        let deltas = Mutex<[String]>([])
        let completion = try await instance.complete(request: request) { delta in
            deltas.withLock { $0.append(delta) }
            return true
        }
        return (deltas.withLock { $0 }, try JSONValue(parsing: completion.resultJSON))
    }

    func close() async {
        await instance.close()
        await runtime.shutdown()
    }
}
