import Benchmark
import BenchmarkStats
import Foundation
import Logging
import TelegramChannel

/// An AI bot's hot path: private chats whose histories grow, every text answered by the `echo`
/// model plugin (a model that costs nothing: it answers with the user's last message), webhook
/// mode, the Bot API on loopback in TelegramLoad. The host's cost per update is what is left:
/// the durable inbox, the history turned into the model's request, the stored turns and events,
/// the reply's pacing and its sendMessage.
///
/// Goals: host + PostgreSQL CPU per update ≤ 330 µs; CPU per update for 15,000 updates within
/// 10% of 1,000 (flat in conversation length); 1 in flight e2e p50 ≤ 1.2 ms and p99 ≤ 5 ms;
/// 32 in flight p99 ≤ 50 ms; a ready reply reaches a private chat in ≤ 10 ms with default
/// settings; host RSS ≤ 60 MB with 10,000 active conversations.
func conversationBenchmarks(plugins: URL, logger: Logger) {
    let throughput = BenchmarkMetric.custom("updates/s, 32 in flight", useScalingFactor: false)
    let p99Busy = BenchmarkMetric.custom("e2e p99, 32 in flight (µs)", useScalingFactor: false)
    let p50Single = BenchmarkMetric.custom("e2e p50, 1 in flight (µs)", useScalingFactor: false)
    let p99Single = BenchmarkMetric.custom("e2e p99, 1 in flight (µs)", useScalingFactor: false)
    let cpuShort = BenchmarkMetric.custom("host+PostgreSQL CPU per update, 1,000 updates (µs)", useScalingFactor: false)
    let cpuLong = BenchmarkMetric.custom("host+PostgreSQL CPU per update, 15,000 updates (µs)", useScalingFactor: false)
    let ready = BenchmarkMetric.custom("ready reply to a private chat p50, default pacing (µs)", useScalingFactor: false)
    let rss = BenchmarkMetric.custom("host peak RSS, 10,000 conversations (MB)", useScalingFactor: false)

    Benchmark("AI bot: 32 chats with growing histories → echo model → sendMessage",
              configuration: .init(metrics: [throughput, p99Busy, p50Single, p99Single, cpuShort, cpuLong, ready, rss], warmupIterations: 0,
                                   maxDuration: .seconds(600), maxIterations: 1)) { benchmark in
        let load = try LoadProcess()
        defer { load.stop() }
        var lines: [String] = []
        let micro = { (ns: UInt64) in String(format: "%.2f ms", Double(ns) / 1e6) }

        // Pacing lifted, as the Python bot it is compared with has none: the host's own figures.
        let world = try await WebhookWorld.start(plugins: plugins, botAPIPort: load.fakePort, enable: ["echo"], logger: logger)
        do {
            _ = try await load.send("target \(world.port) \(world.botID) \(world.secret)", expecting: "ok")
            _ = try await load.converse(firstID: 1, firstChat: 1_000_000, count: 320, chats: 32, inFlight: 32)

            // Runs of 1,000 and 15,000 updates over 32 new chats each: the cost per update must not
            // grow with the conversation.
            var runs: [(updates: Int, result: ConversationResult, cpu: (host: Double, database: Double, load: Double), database: DatabaseCounters)] = []
            for (index, updates) in [1_000, 15_000].enumerated() {
                let before = try await DatabaseCounters.settled(world.pool)
                let cpu = CPUCounter(world: world, load: load)
                let result = try await load.converse(firstID: 1_000_000 * (index + 1), firstChat: 2_000_000 + 100 * index, count: updates, chats: 32,
                                               inFlight: 32)
                let spent = cpu.sinceStart(per: updates)
                let counted = try await DatabaseCounters.settled(world.pool).since(before, per: updates)
                runs.append((updates, result, spent, counted))
                lines.append("""
                    \(updates) updates over 32 chats, 32 in flight: \(Int(result.perSecond)) updates/s; e2e p50 \(micro(result.replyP50Ns)), \
                    p99 \(micro(result.replyP99Ns)) (goal ≤ 50 ms); ack p50 \(micro(result.ackP50Ns)), p99 \(micro(result.ackP99Ns))
                      CPU per update: host \(Int(spent.host)) µs + PostgreSQL \(Int(spent.database)) µs = \
                    \(Int(spent.host + spent.database)) µs (goal ≤ 330); load and fake \(Int(spent.load)) µs
                      per update: \(counted.summary)
                    """)
            }
            let single = try await load.converse(firstID: 3_000_000, firstChat: 3_000_000, count: 1_000, chats: 32, inFlight: 1)
            lines.append("1 in flight, 1,000 updates over 32 chats: e2e p50 \(micro(single.replyP50Ns)) (goal ≤ 1.2 ms), "
                         + "p99 \(micro(single.replyP99Ns)) (goal ≤ 5 ms); ack p50 \(micro(single.ackP50Ns))")

            // 10,000 conversations, each with a turn: the memory they take while active.
            let sampler = PeakSampler()
            let before = ProcessStats.residentBytes()
            _ = try await load.converse(firstID: 4_000_000, firstChat: 4_000_000, count: 10_000, chats: 10_000, inFlight: 32)
            let peak = sampler.stop()
            let megabytes = { (bytes: Int) in Double(bytes) / 1_048_576 }
            lines.append(String(format: "10,000 conversations: host peak RSS %.1f MB (goal ≤ 60), grown by %.1f MB", megabytes(peak),
                                megabytes(ProcessStats.residentBytes() - before)))
            let short = runs[0], long = runs[1]
            let cost = { (run: (updates: Int, result: ConversationResult, cpu: (host: Double, database: Double, load: Double), database: DatabaseCounters)) in
                run.cpu.host + run.cpu.database
            }
            lines.append(String(format: "growth in CPU per update from 1,000 to 15,000 updates: %+.0f%% (goal within 10%%)",
                                (cost(long) / max(1, cost(short)) - 1) * 100))
            benchmark.measurement(throughput, Int(long.result.perSecond))
            benchmark.measurement(p99Busy, Int(long.result.replyP99Ns / 1000))
            benchmark.measurement(p50Single, Int(single.replyP50Ns / 1000))
            benchmark.measurement(p99Single, Int(single.replyP99Ns / 1000))
            benchmark.measurement(cpuShort, Int(cost(short)))
            benchmark.measurement(cpuLong, Int(cost(long)))
            benchmark.measurement(rss, Int(megabytes(peak)))
        } catch {
            try await world.stop()
            throw error
        }
        try await world.stop()

        // Default settings: a reply the model has at once, to a private chat that has had none
        // for a while, must go out at once: no draft, no "typing…", no wait for a slot.
        let paced = try await WebhookWorld.start(plugins: plugins, botAPIPort: load.fakePort, enable: ["echo"],
                                                 processing: InboxProcessor.Configuration(), logger: logger)
        do {
            _ = try await load.send("target \(paced.port) \(paced.botID) \(paced.secret)", expecting: "ok")
            let result = try await load.converse(firstID: 5_000_000, firstChat: 5_000_000, count: 200, chats: 200, inFlight: 1, pause: 50)
            lines.append("default pacing, 200 replies each to a private chat of its own, 50 ms apart: p50 \(micro(result.replyP50Ns)), "
                         + "p99 \(micro(result.replyP99Ns)) (goal ≤ 10 ms)")
            benchmark.measurement(ready, Int(result.replyP50Ns / 1000))
        } catch {
            try await paced.stop()
            throw error
        }
        try await paced.stop()
        report(lines)
    }
}

/// Prints the figures the table leaves out, and keeps them in a file as well: the benchmark
/// runner may run this process with its standard output quieted.
func report(_ lines: [String]) {
    BenchReport.write(lines, fileName: "market-telegram-bench.txt")
}
