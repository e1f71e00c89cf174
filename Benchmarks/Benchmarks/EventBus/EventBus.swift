import Benchmark
import Foundation
import MarketCore

/// The event bus end to end on a private PostgreSQL (fsync on, as in production): events
/// published through `EventBus`, claimed by a `DeliveryWorker` and acknowledged by an
/// in-process sink plugin (textkit, through `market.events/1`).
let benchmarks: @Sendable () -> Void = {
    let throughput = BenchmarkMetric.custom("events/s", useScalingFactor: false)
    let p50 = BenchmarkMetric.custom("latency p50 (µs)", useScalingFactor: false)
    let p99 = BenchmarkMetric.custom("latency p99 (µs)", useScalingFactor: false)
    let worst = BenchmarkMetric.custom("latency max (µs)", useScalingFactor: false)

    // 4 publishers send 20,000 events in batches of 100; the clock stops at the last acknowledgement.
    Benchmark("Published → acknowledged, sustained (batches of 100, 4 publishers)",
              configuration: .init(metrics: [throughput], maxDuration: .seconds(60), maxIterations: 3)) { benchmark in
        let bench = try await BusBench.shared()
        let rate = try await bench.sustained(events: 20_000, batch: 100, publishers: 4)
        benchmark.measurement(throughput, Int(rate))
        print("EventBus sustained: \(Int(rate)) events/s published and acknowledged")
    } teardown: {
        await BusBench.stop()
    }

    // One event a millisecond, each its own publish, for two seconds; latency is publish call
    // to the sink's acknowledgement.
    Benchmark("Publish → delivery latency at 1,000 events/s (single publishes)",
              configuration: .init(metrics: [p50, p99, worst], maxDuration: .seconds(60), maxIterations: 3)) { benchmark in
        let bench = try await BusBench.shared()
        let latencies = try await bench.paced(events: 2_000, perSecond: 1_000)
        let micros = latencies.map { Int($0.components.seconds * 1_000_000 + $0.components.attoseconds / 1_000_000_000_000) }.sorted()
        benchmark.measurement(p50, micros[micros.count / 2])
        benchmark.measurement(p99, micros[micros.count * 99 / 100])
        benchmark.measurement(worst, micros[micros.count - 1])
        print("EventBus at 1,000 events/s: p50 \(micros[micros.count / 2]) µs, p99 \(micros[micros.count * 99 / 100]) µs, max \(micros[micros.count - 1]) µs")
    } teardown: {
        await BusBench.stop()
    }
}
