import Benchmark
import Foundation
import Logging
import LoopbackLoad
import Synchronization

/// Telegram webhook updates end to end in one process: POST /telegram/{bot} (ack once stored in
/// the durable inbox), the inbox processor, the engine running a slash command that calls the
/// built textkit plugin's tool, and sendMessage to a Bot API fake on loopback.
///
/// Goals: ≥ 5,000 updates/s at saturation; at 1,000 updates/s a p99 from webhook POST to
/// sendMessage ≤ 25 ms and a p99 ack ≤ 5 ms; RSS ≤ 60 MB during the run; and the memory that
/// 10,000 active conversations take. RSS is this process's: the host, and also the load
/// generator and the fake (PostgreSQL runs apart and is not counted).
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let plugins = root.appendingPathComponent(".build/market-plugins")
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let throughput = BenchmarkMetric.custom("updates/s at saturation", useScalingFactor: false)
    let endToEnd = BenchmarkMetric.custom("p99 POST→sendMessage at 1000/s (µs)", useScalingFactor: false)
    let ack = BenchmarkMetric.custom("p99 ack at 1000/s (µs)", useScalingFactor: false)
    let rss = BenchmarkMetric.custom("peak RSS (MB)", useScalingFactor: false)
    let conversations = BenchmarkMetric.custom("RSS growth for 10,000 conversations (MB)", useScalingFactor: false)

    Benchmark("Telegram webhook → engine → plugin tool → sendMessage",
              configuration: .init(metrics: [throughput, endToEnd, ack, rss, conversations], warmupIterations: 0,
                                   maxDuration: .seconds(300), maxIterations: 1)) {
        (benchmark: Benchmark, world: WebhookWorld) in
        let sampler = PeakSampler()
        let before = residentBytes()

        // Saturation: 10,000 updates, each in a chat of its own, as fast as 32 connections go.
        let started = monotonicNanoseconds()
        let saturated = try WebhookLoad(world: world, firstID: 1, count: 10_000, connections: 32).saturating()
        let acked = monotonicNanoseconds()
        let arrivals = try waitForReplies(world, chats: saturated.keys, within: 180)
        let finished = arrivals.values.max() ?? acked
        let perSecond = Double(saturated.count) / (Double(finished - started) / 1e9)
        let ackPerSecond = Double(saturated.count) / (Double(acked - started) / 1e9)
        let grown = residentBytes() - before

        // A steady 1,000 updates a second for 5 s, in new chats.
        let steady = try WebhookLoad(world: world, firstID: 100_001, count: 5_000, connections: 8).fixedRate(1_000)
        let steadyArrivals = try waitForReplies(world, chats: steady.keys, within: 180)
        let acks = steady.values.map(\.ack).sorted()
        let latencies = steady.map { chat, entry in (steadyArrivals[chat] ?? entry.due) - entry.due }.sorted()
        let peak = sampler.stop()

        func p99(_ sorted: [UInt64]) -> UInt64 { sorted[min(sorted.count - 1, sorted.count * 99 / 100)] }
        let megabytes = { (bytes: Int) in Double(bytes) / 1_048_576 }
        benchmark.measurement(throughput, Int(perSecond))
        benchmark.measurement(endToEnd, Int(p99(latencies) / 1000))
        benchmark.measurement(ack, Int(p99(acks) / 1000))
        benchmark.measurement(rss, Int(megabytes(peak)))
        benchmark.measurement(conversations, Int(megabytes(grown)))
        print("""
            saturation: \(saturated.count) updates in \(String(format: "%.2f", Double(finished - started) / 1e9)) s: \
            \(Int(perSecond)) updates/s end to end (goal ≥ 5000); acks alone \(Int(ackPerSecond))/s
            at 1000/s: p99 POST→sendMessage \(String(format: "%.1f", Double(p99(latencies)) / 1e6)) ms (goal ≤ 25), \
            p50 \(String(format: "%.1f", Double(latencies[latencies.count / 2]) / 1e6)) ms; \
            p99 ack \(String(format: "%.2f", Double(p99(acks)) / 1e6)) ms (goal ≤ 5)
            RSS: peak \(String(format: "%.1f", megabytes(peak))) MB (goal ≤ 60; host, load and fake together), \
            growth over 10,000 new conversations \(String(format: "%.1f", megabytes(grown))) MB
            """)
    } setup: {
        let world = try await WebhookWorld.start(plugins: plugins, logger: quiet)
        started.withLock { $0 = world }
        return world
    } teardown: {
        if let world = started.withLock({ $0 }) { try await world.stop() }
    }
}

/// The world the setup made, for the teardown to stop its PostgreSQL cluster.
private let started = Mutex<WebhookWorld?>(nil)

/// Waits until every chat got its sendMessage; their arrival times.
private func waitForReplies(_ world: WebhookWorld, chats: some Collection<Int64>, within seconds: Double) throws -> [Int64: UInt64] {
    let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
    while true {
        let times = world.fake.arrivalTimes()
        if chats.allSatisfy({ times[$0] != nil }) { return times }
        guard monotonicNanoseconds() < deadline else {
            throw LoadFailure(description: "\(chats.filter { times[$0] == nil }.count) replies did not arrive within \(seconds) s")
        }
        usleep(20_000)
    }
}

/// Samples this process's RSS every 50 ms on a thread of its own, keeping the peak.
private final class PeakSampler: Sendable {
    private let state = Mutex<(peak: Int, running: Bool)>((0, true))

    init() {
        Thread.detachNewThread { [self] in
            while state.withLock({ $0.running }) {
                let now = residentBytes()
                state.withLock { $0.peak = max($0.peak, now) }
                usleep(50_000)
            }
        }
    }

    func stop() -> Int {
        state.withLock { state in
            state.running = false
            return max(state.peak, residentBytes())
        }
    }
}
