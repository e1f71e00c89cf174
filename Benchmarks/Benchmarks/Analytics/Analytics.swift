import Benchmark
import Foundation
import Logging
import MarketStore
import Synchronization

/// `market analytics` over a year of one tenant's events (1,000,000 of them): the time of
/// `AnalyticsStore.report`, the query the command and `GET /v1/tenants/{t}/analytics` run,
/// for the whole year (goal ≤ 200 ms), and for one channel's month.
let benchmarks: @Sendable () -> Void = {
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let year = BenchmarkMetric.custom("whole year, all channels (µs)", useScalingFactor: false)
    let month = BenchmarkMetric.custom("one month, one channel (µs)", useScalingFactor: false)

    Benchmark("market analytics over 1,000,000 events",
              configuration: .init(metrics: [year, month], warmupIterations: 0, maxDuration: .seconds(600), maxIterations: 1)) {
        (benchmark: Benchmark, world: AnalyticsWorld) in
        let store = AnalyticsStore(pool: world.pool)
        let whole = try AnalyticsQuery(tenant: AnalyticsWorld.tenant, since: "2026-01-01", until: "2026-12-31")
        let part = try AnalyticsQuery(tenant: AnalyticsWorld.tenant, since: "2026-06-01", until: "2026-06-30", channel: "telegram")
        let clock = ContinuousClock()
        func timed(_ query: AnalyticsQuery) async throws -> (Double, AnalyticsReport) {
            let start = clock.now
            let report = try await store.report(query)
            return ((clock.now - start).inMicroseconds, report)
        }
        _ = try await timed(whole)
        var samples: (year: [Double], month: [Double]) = ([], [])
        var last: AnalyticsReport?
        for _ in 0..<25 {
            let (a, report) = try await timed(whole)
            samples.year.append(a)
            last = report
            samples.month.append(try await timed(part).0)
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let worst = { (values: [Double]) in values.max() ?? 0 }
        benchmark.measurement(year, Int(median(samples.year).rounded()))
        benchmark.measurement(month, Int(median(samples.month).rounded()))
        let totals = last?.totals ?? AnalyticsFigures()
        print("""
            market analytics over \(AnalyticsWorld.events) events of one tenant (2026, 3 channels), 25 runs each:
              whole year, all channels: median \(String(format: "%.1f", median(samples.year) / 1000)) ms, \
            worst \(String(format: "%.1f", worst(samples.year) / 1000)) ms (goal ≤ 200 ms)
              June, telegram:           median \(String(format: "%.1f", median(samples.month) / 1000)) ms, \
            worst \(String(format: "%.1f", worst(samples.month) / 1000)) ms
              the year's figures: \(totals.messagesIn) messages in, \(totals.messagesOut) out, \(totals.toolCalls) tool calls, \
            p50 \(Int(totals.latencyP50Milliseconds ?? 0)) ms, p95 \(Int(totals.latencyP95Milliseconds ?? 0)) ms
            """)
    } setup: {
        let world = try await AnalyticsWorld.start(logger: quiet)
        started.withLock { $0 = world }
        return world
    } teardown: {
        if let world = started.withLock({ $0 }) { try await world.stop() }
    }
}

/// What the setup made, for the teardown to stop.
private let started = Mutex<AnalyticsWorld?>(nil)

extension Duration {
    var inMicroseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }
}
