import Benchmark
import BenchmarkStats
import Foundation
import Logging
import Synchronization

/// Telegram webhook updates end to end: POST /telegram/{bot} (ack once stored in the durable
/// inbox), the inbox processor, the engine running a slash command that calls the built
/// textkit plugin's tool, and sendMessage to a Bot API fake on loopback. The host runs in this
/// process; the load generator and the fake run in TelegramLoad, a child process on the same
/// machine, so the memory and CPU figures of this process are the host's.
///
/// Goals: ≥ 5,000 updates/s at saturation; at 1,000 updates/s a p99 from webhook POST to
/// sendMessage ≤ 25 ms and a p99 ack ≤ 5 ms; host RSS ≤ 60 MB during the run; and the memory
/// that 10,000 active conversations take. It also prints the CPU time each update costs in the
/// host, in PostgreSQL and in the load with the fake: on two cores, 5,000 updates/s leaves 400 µs
/// of CPU an update for all of them together.
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let plugins = root.appendingPathComponent(".build/market-plugins")
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let throughput = BenchmarkMetric.custom("updates/s at saturation", useScalingFactor: false)
    let endToEnd = BenchmarkMetric.custom("p99 POST→sendMessage at 1000/s (µs)", useScalingFactor: false)
    let ack = BenchmarkMetric.custom("p99 ack at 1000/s (µs)", useScalingFactor: false)
    let rss = BenchmarkMetric.custom("host peak RSS (MB)", useScalingFactor: false)
    let conversations = BenchmarkMetric.custom("host RSS growth for 10,000 conversations (MB)", useScalingFactor: false)
    let hostCPU = BenchmarkMetric.custom("host CPU per update at saturation (µs)", useScalingFactor: false)
    let databaseCPU = BenchmarkMetric.custom("PostgreSQL CPU per update at saturation (µs)", useScalingFactor: false)

    conversationBenchmarks(plugins: plugins, logger: quiet)

    Benchmark("Telegram webhook → engine → plugin tool → sendMessage",
              configuration: .init(metrics: [throughput, endToEnd, ack, rss, conversations, hostCPU, databaseCPU], warmupIterations: 0,
                                   maxDuration: .seconds(300), maxIterations: 1)) {
        (benchmark: Benchmark, setup: Setup) in
        let (world, load) = (setup.world, setup.load)
        let sampler = PeakSampler()
        let before = ProcessStats.residentBytes()

        // Saturation: 10,000 updates, each in a chat of its own, as fast as 32 connections go.
        let cpu = CPUCounter(world: world, load: load)
        let saturated = try PhaseResult(await load.send("saturate 1 10000 32", expecting: "result"))
        let spent = cpu.sinceStart(per: saturated.updates)
        let grown = ProcessStats.residentBytes() - before

        // A steady 1,000 updates a second for 5 s, in new chats, on 40 connections: Telegram's
        // default `max_connections` for a webhook. Each connection waits for its ack before the
        // next POST, as Telegram's do, so fewer connections would queue updates in the load.
        let steady = try PhaseResult(await load.send("steady 100001 5000 40 1000", expecting: "result"))
        let peak = sampler.stop()

        let megabytes = { (bytes: Int) in Double(bytes) / 1_048_576 }
        let milliseconds = { (ns: UInt64) in String(format: "%.1f", Double(ns) / 1e6) }
        benchmark.measurement(throughput, Int(saturated.perSecond))
        benchmark.measurement(endToEnd, Int(steady.p99Ns / 1000))
        benchmark.measurement(ack, Int(steady.ackP99Ns / 1000))
        benchmark.measurement(rss, Int(megabytes(peak)))
        benchmark.measurement(conversations, Int(megabytes(grown)))
        benchmark.measurement(hostCPU, Int(spent.host))
        benchmark.measurement(databaseCPU, Int(spent.database))
        report(["""
            saturation: \(saturated.updates) updates in \(String(format: "%.2f", Double(saturated.elapsedNs) / 1e9)) s: \
            \(Int(saturated.perSecond)) updates/s end to end (goal ≥ 5000); acks alone \
            \(Int(Double(saturated.updates) / (Double(saturated.ackedNs) / 1e9)))/s
              CPU per update: host \(Int(spent.host)) µs, PostgreSQL \(Int(spent.database)) µs, load and fake \(Int(spent.load)) µs \
            (5000/s on 2 cores leaves 400 µs for all three)
            at 1000/s: p99 POST→sendMessage \(milliseconds(steady.p99Ns)) ms (goal ≤ 25), p50 \(milliseconds(steady.p50Ns)) ms; \
            p99 ack \(milliseconds(steady.ackP99Ns)) ms (goal ≤ 5)
            host RSS: peak \(String(format: "%.1f", megabytes(peak))) MB (goal ≤ 60), \
            growth over 10,000 new conversations \(String(format: "%.1f", megabytes(grown))) MB
            """])
    } setup: {
        let load = try LoadProcess()
        let world = try await WebhookWorld.start(plugins: plugins, botAPIPort: load.fakePort, logger: quiet)
        let setup = Setup(world: world, load: load)
        started.withLock { $0 = setup }
        _ = try await load.send("target \(world.port) \(world.botID) \(world.secret)", expecting: "ok")
        return setup
    } teardown: {
        if let setup = started.withLock({ $0 }) {
            setup.load.stop()
            try await setup.world.stop()
        }
    }
}

/// The host in this process and the load in its child.
struct Setup: Sendable {
    let world: WebhookWorld
    let load: LoadProcess
}

/// What the setup made, for the teardown to stop.
private let started = Mutex<Setup?>(nil)

/// CPU time spent since it was made by this process (the host), the cluster and the load.
struct CPUCounter {
    let world: WebhookWorld
    let load: LoadProcess
    let start: (host: Double, database: Double, load: Double)

    init(world: WebhookWorld, load: LoadProcess) {
        self.world = world
        self.load = load
        start = Self.now(world, load)
    }

    /// Microseconds each of `count` updates cost, by side.
    func sinceStart(per count: Int) -> (host: Double, database: Double, load: Double) {
        let end = Self.now(world, load)
        let per = { (seconds: Double) in seconds * 1e6 / Double(max(1, count)) }
        return (per(end.host - start.host), per(end.database - start.database), per(end.load - start.load))
    }

    private static func now(_ world: WebhookWorld, _ load: LoadProcess) -> (host: Double, database: Double, load: Double) {
        (ProcessStats.cpuSeconds(getpid()), ProcessStats.clusterCPUSeconds(dataDirectory: world.cluster.dataDirectory),
         ProcessStats.cpuSeconds(load.pid))
    }
}

/// Samples this process's RSS every 50 ms on a thread of its own, keeping the peak.
final class PeakSampler: Sendable {
    private let state = Mutex<(peak: Int, running: Bool)>((0, true))

    init() {
        Thread.detachNewThread { [self] in
            while state.withLock({ $0.running }) {
                let now = ProcessStats.residentBytes()
                state.withLock { $0.peak = max($0.peak, now) }
                usleep(50_000)
            }
        }
    }

    func stop() -> Int {
        state.withLock { state in
            state.running = false
            return max(state.peak, ProcessStats.residentBytes())
        }
    }
}
