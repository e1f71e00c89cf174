import Benchmark
import BenchmarkStats
import Foundation
import Glibc
import Logging
import MarketCore
import PluginRuntime

/// The posthog plugin (C, dlopen) forwarding events to a lean loopback receiver (issue 18,
/// "Measured": ≥ 20,000 events/s, and the CPU each costs). The host hands it batches of 64, as
/// the delivery worker does (market.event-batches/1), from two callers at once (the worker's two
/// loops); each batch is one request of 64 events. The receiver is a process apart, so this
/// process's CPU (getrusage) is the host's and the plugin's together.
let benchmarks: @Sendable () -> Void = {
    let rate = BenchmarkMetric.custom("events/s", useScalingFactor: false)
    let cpu = BenchmarkMetric.custom("CPU per event, host + plugin (µs)", useScalingFactor: false)

    Benchmark("PostHog sink: batches of 64 events to a loopback receiver",
              configuration: .init(metrics: [rate, cpu], warmupIterations: 0, maxDuration: .seconds(300), maxIterations: 1)) { benchmark in
        let world = try await SinkWorld.start()
        defer { world.stop() }
        _ = try await world.forward(batches: 50) // warms the connection and the instance
        let run = try await world.forward(batches: 2_000)
        benchmark.measurement(rate, Int(run.perSecond))
        benchmark.measurement(cpu, Int(run.cpuMicroseconds))
        BenchReport.write([
            "PostHogSink (\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadAverage()))",
            "  \(run.events) events in \(run.requests) requests of 64: \(Int(run.perSecond)) events/s (goal ≥ 20000); "
                + "CPU per event, host + plugin: \(String(format: "%.1f", run.cpuMicroseconds)) µs",
        ], fileName: "market-posthog-bench.txt")
    }
}

/// The runtime with the posthog plugin for tenant "bench", sending to the lean receiver.
struct SinkWorld {
    let runtime: PluginRuntime
    let instance: PluginInstance
    let receiver: ReceiverProcess

    struct Run {
        let events: Int
        let requests: Int
        let perSecond: Double
        let cpuMicroseconds: Double
    }

    static func start() async throws -> SinkWorld {
        // Benchmarks run in Benchmarks/; the plugins are built into the repository's .build.
        let benchmarks = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let plugin = benchmarks.deletingLastPathComponent().appendingPathComponent(".build/market-plugins/posthog")
        guard FileManager.default.fileExists(atPath: plugin.appendingPathComponent("plugin.json").path) else {
            throw BenchFailure("\(plugin.path) is missing: run scripts/build-plugins.sh release in the repository root")
        }
        let folder = URL(fileURLWithPath: "/tmp/mkph-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let receiver = try ReceiverProcess(folder: folder, benchmarksFolder: benchmarks)
        var services = HostServices(logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        // The receiver is on loopback, which the manifest's "*" reaches only when the operator allows it.
        services.http.allowedRanges = [.loopback]
        let runtime = PluginRuntime(services: services)
        let instance = try await runtime.instantiate(try runtime.load(plugin), tenantID: "bench",
                                                     config: #"{"host":"http://127.0.0.1:\#(receiver.port)","batch_size":100}"#,
                                                     secrets: ["api_key": "phc_bench"])
        return SinkWorld(runtime: runtime, instance: instance, receiver: receiver)
    }

    /// Bot-like events: a user, a conversation, an experiment, a short text.
    static func batch(_ number: Int) -> [EventEnvelope] {
        (0..<64).map { index in
            EventEnvelope(type: "message.received", tenantID: "bench", conversationID: "c\(index % 32)",
                          experiment: .object(["id": .string("models"), "variant": .string(index % 2 == 0 ? "a" : "b")]),
                          data: #"{"user_id":"u\#(index % 32)","channel":"telegram","text":"hello number \#(number * 64 + index)","command":false}"#)
        }
    }

    /// Forwards `batches` batches of 64 from two callers; fails unless every event was acknowledged.
    func forward(batches: Int) async throws -> Run {
        let prepared = (0..<batches).map(Self.batch)
        let before = try receiver.count()
        let cpuBefore = Self.processCPUSeconds()
        let started = ContinuousClock.now
        let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
            for caller in 0..<2 {
                group.addTask {
                    var count = 0
                    for index in stride(from: caller, to: batches, by: 2) {
                        count += try await instance.deliver(batch: prepared[index]).filter { $0 == .acknowledged }.count
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        let cpu = Self.processCPUSeconds() - cpuBefore
        guard acknowledged == batches * 64 else { throw BenchFailure("only \(acknowledged) of \(batches * 64) events were acknowledged") }
        let requests = try receiver.count() - before
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Run(events: acknowledged, requests: requests, perSecond: Double(acknowledged) / seconds,
                   cpuMicroseconds: cpu * 1e6 / Double(acknowledged))
    }

    func stop() {
        receiver.stop()
    }

    /// User and system CPU of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// The 1-minute load average when the run ended: the machine is shared with builds.
func loadAverage() -> String {
    ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(String.init) ?? "?"
}
