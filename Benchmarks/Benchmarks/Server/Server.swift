import Benchmark
import Foundation
import Logging
import MarketServer
import MarketStore
import PluginRuntime

/// REST reads at a fixed 500 requests per second from a loopback client: latency percentiles,
/// goal p99 ≤ 5 ms. The public catalog (`GET /v1/plugins/notes`, no database) and two
/// authenticated tenant reads with a tenant token (`GET /v1/tenants/bench` and
/// `GET /v1/tenants/bench/plugins/notes/config`: the token's lookup and the reads on a private
/// PostgreSQL started for the run).
///
/// The load is open-loop: request i is due at start + i × 2 ms whatever happened before, and its
/// latency runs from that due time to the end of its response, so a stall is counted against
/// every request it delays. Four keep-alive connections, each on a thread of its own, take the
/// requests in turn.
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let plugins = root.appendingPathComponent(".build/market-plugins")
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let p50 = BenchmarkMetric.custom("latency p50 (µs)", useScalingFactor: false)
    let p99 = BenchmarkMetric.custom("latency p99 (µs)", useScalingFactor: false)
    let max = BenchmarkMetric.custom("latency max (µs)", useScalingFactor: false)
    let configuration = Benchmark.Configuration(metrics: [p50, p99, max], maxDuration: .seconds(20), maxIterations: 5)

    func measure(_ benchmark: Benchmark, port: Int, path: String, headers: [String: String] = [:]) throws {
        let latencies = try FixedRateLoad(port: port, path: path, headers: headers, rate: 500, count: 1000, connections: 4).run()
        let sorted = latencies.sorted()
        let (median, tail, worst) = (sorted[sorted.count / 2] / 1000, sorted[sorted.count * 99 / 100] / 1000, sorted[sorted.count - 1] / 1000)
        benchmark.measurement(p50, median)
        benchmark.measurement(p99, tail)
        benchmark.measurement(max, worst)
        print("\(path) at a fixed 500 req/s, \(sorted.count) requests: p50 \(median) µs, p99 \(tail) µs, max \(worst) µs")
    }

    Benchmark("GET /v1/plugins/notes at 500 req/s (1000 requests per iteration)",
              configuration: configuration) { (benchmark: Benchmark, server: ServerUnderLoad) in
        try measure(benchmark, port: server.port, path: "/v1/plugins/notes")
    } setup: {
        // The server lives in this process, so it ends with the benchmark run.
        try await ServerUnderLoad.start(plugins: plugins, database: nil, logger: quiet)
    }

    // Two tenant reads: the tenant itself (the token's lookup and one query), and a plugin's
    // config (the store reads it in a transaction that share-locks the tenant's row).
    for (name, path) in [("GET /v1/tenants/{tenant}", "/v1/tenants/\(BenchTenant.id)"),
                         ("GET /v1/tenants/{tenant}/plugins/notes/config", "/v1/tenants/\(BenchTenant.id)/plugins/notes/config")] {
        Benchmark("\(name), tenant token, at 500 req/s (1000 requests per iteration)",
                  configuration: configuration) { (benchmark: Benchmark, tenant: BenchTenant) in
            try measure(benchmark, port: tenant.server.port, path: path, headers: ["Authorization": "Bearer \(tenant.token)"])
        } setup: {
            try await BenchTenant.start(plugins: plugins, logger: quiet)
        } teardown: {
            try await BenchTenant.stop()
        }
    }
}
