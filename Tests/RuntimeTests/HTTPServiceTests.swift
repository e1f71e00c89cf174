import Foundation
import MarketCore
import PluginRuntime
import MarketTestSupport
import Testing

/// `market.http/1` through a real HTTP server on loopback: declared hosts are reached,
/// anything else is refused before a connection is made.
@Suite(.serialized) struct HTTPServiceTests {
    /// Python's http.server on an ephemeral loopback port, serving a folder with one file.
    final class LoopbackServer: Sendable {
        let server: LoopbackServerProcess
        var port: Int { server.port }

        private init(server: LoopbackServerProcess) {
            self.server = server
        }

        /// Serves a file of `bodyBytes` bytes at /file.txt.
        static func start(bodyBytes: Int) async throws -> LoopbackServer {
            let root = try temporaryDirectory("www")
            try Data(repeating: UInt8(ascii: "x"), count: bodyBytes).write(to: root.appendingPathComponent("file.txt"))
            // It prints "Serving HTTP on 127.0.0.1 port N (…)" once it listens.
            let arguments = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", root.path]
            return LoopbackServer(server: try await LoopbackServerProcess.start(arguments) { seen in
                let words = seen.split(separator: " ")
                guard seen.contains(") ..."), let index = words.firstIndex(of: "port"), index + 1 < words.count else { return nil }
                return Int(words[index + 1])
            })
        }
    }

    func textkit() async throws -> (PluginRuntime, PluginInstance) {
        let runtime = makeRuntime()
        return (runtime, try await runtime.instantiate(try runtime.load(try TestPaths.plugin("textkit")), tenantID: "t1"))
    }

    @Test func aDeclaredHostIsReached() async throws {
        let server = try await LoopbackServer.start(bodyBytes: 12_345)
        let (runtime, instance) = try await textkit()
        for host in ["127.0.0.1", "localhost"] {
            let result = try await instance.callTool("fetch_status", arguments: #"{"url":"http://\#(host):\#(server.port)/file.txt"}"#)
            #expect(try JSONValue(parsing: result) == .object(["status": .number(200), "bytes": .number(12_345)]))
        }
        let missing = try await instance.callTool("fetch_status", arguments: #"{"url":"http://127.0.0.1:\#(server.port)/nope"}"#)
        #expect(try JSONValue(parsing: missing)["status"] == .number(404))
        await instance.close()
        await runtime.shutdown()
    }

    @Test(arguments: [
        "http://example.com/",
        "http://127.0.0.1@evil.example/",
        "http://localhost.evil.example/",
        "http://127.0.0.2/",
        "http://[::1]/",
    ])
    func anUndeclaredHostIsRefused(url: String) async throws {
        let (runtime, instance) = try await textkit()
        let error = await expectError(.pluginFailed) { try await instance.callTool("fetch_status", arguments: #"{"url":"\#(url)"}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "PERMISSION_DENIED", "\(url): \(String(describing: error))")
        // The instance keeps serving after the refusal.
        #expect(try await instance.callTool("word_count", arguments: #"{"text":"ok"}"#).contains(#""words":1"#))
        await instance.close()
        await runtime.shutdown()
    }

    @Test(arguments: ["file:///etc/passwd", "gopher://127.0.0.1/", "not a url"])
    func otherSchemesAndBadURLsAreInvalid(url: String) async throws {
        let (runtime, instance) = try await textkit()
        let error = await expectError(.pluginFailed) { try await instance.callTool("fetch_status", arguments: #"{"url":"\#(url)"}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "INVALID_ARGUMENT", "\(url)")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func anAllowedHostThatDoesNotAnswerIsUnavailable() async throws {
        let (runtime, instance) = try await textkit()
        // Port 9 (discard) is closed on loopback here, so the connection is refused.
        let error = await expectError(.pluginFailed) { try await instance.callTool("fetch_status", arguments: #"{"url":"http://127.0.0.1:9/"}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "UNAVAILABLE")
        await instance.close()
        await runtime.shutdown()
    }
}
