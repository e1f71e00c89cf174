import Benchmark
import Foundation
import Logging
import MarketCore
import PluginRuntime
import Synchronization

/// Model-provider and MCP-bridge costs: how long a streamed delta takes from the socket to the
/// host's sink, and an MCP tool call through the bridge.
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let plugins = root.appendingPathComponent(".build/market-plugins")
    let runtime = PluginRuntime(services: HostServices(logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })))

    // The fake server reads CLOCK_MONOTONIC just before it hands each event to send(2) and
    // writes the reading into the event; the host's sink reads the same clock first thing. The
    // figure is therefore socket to sink: the send and loopback TCP delivery, waking the thread
    // blocked in curl, curl's read and chunked decoding, market.http/1's body sink into the
    // plugin, SSE splitting, recognising (or parsing) the chunk, market.model/1's delta sink back
    // into the host and the host's copy into a String. It leaves out the server building the
    // JSON, and includes about a microsecond of Python framing the chunk after the clock read.
    Benchmark("Streamed delta, socket to host sink (median of 100 per completion)",
              configuration: .init(metrics: [.custom("delta latency p50 (ns)", useScalingFactor: false),
                                             .custom("delta latency p99 (ns)", useScalingFactor: false)],
                                   maxDuration: .seconds(5), maxIterations: 200)) { (benchmark: Benchmark, provider: Provider) in
        let latencies = Mutex<[Int]>([])
        _ = try await provider.instance.complete(request: #"{"model":"timed","messages":[{"role":"user","content":"go"}]}"#) { delta in
            let arrived = Int(monotonicNanosecondsForBenchmark())
            // The delta is forwarded as the server wrote it (`{"content": "…"}`, with Python's spaces).
            if let key = delta.range(of: #""content""#), let digits = delta[key.upperBound...].firstIndex(where: \.isNumber),
               let sent = Int(delta[digits...].prefix { $0.isNumber }) {
                latencies.withLock { $0.append(arrived - sent) }
            }
            return true
        }
        let sorted = latencies.withLock { $0 }.sorted()
        guard !sorted.isEmpty else { return }
        benchmark.measurement(.custom("delta latency p50 (ns)", useScalingFactor: false), sorted[sorted.count / 2])
        benchmark.measurement(.custom("delta latency p99 (ns)", useScalingFactor: false), sorted[sorted.count * 99 / 100])
    } setup: {
        let server = try FakeServer(script: root.appendingPathComponent("Tests/Fixtures/fake-llm/server.py"))
        let instance = try await runtime.instantiate(try runtime.load(plugins.appendingPathComponent("openai")), tenantID: "bench",
                                                     config: #"{"base_url":"http://127.0.0.1:\#(server.port)/v1","model":"timed"}"#)
        return Provider(server: server, instance: instance)
    }

    Benchmark("MCP tool call through the bridge (add, Python SDK server)",
              configuration: .init(metrics: [.wallClock], timeUnits: .microseconds, maxDuration: .seconds(5), maxIterations: 5_000)) { (benchmark: Benchmark, instance: PluginInstance) in
        for _ in benchmark.scaledIterations {
            blackHole(try await instance.callTool("t.add", arguments: #"{"a":2,"b":3}"#))
        }
    } setup: {
        let server = root.appendingPathComponent("Tests/Fixtures/mcp-server/server.py").path
        let instance = try await runtime.instantiate(try runtime.load(plugins.appendingPathComponent("mcp")), tenantID: "bench",
                                                     config: #"{"servers":[{"name":"t","command":"python3","args":["-u","\#(server)"]}]}"#)
        _ = try await instance.listTools()
        return instance
    }
}

struct Provider: Sendable {
    let server: FakeServer
    let instance: PluginInstance
}

/// The fake vendor server, on an ephemeral loopback port.
final class FakeServer: Sendable {
    let port: Int
    private let pid: Int32

    init(script: URL) throws {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script.path]
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = Int(line.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
        pid = process.processIdentifier
    }

    deinit {
        kill(pid, SIGKILL)
    }
}

func monotonicNanosecondsForBenchmark() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
