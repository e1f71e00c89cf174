import Benchmark
import Foundation
import Logging
import MarketServer
import MarketStore
import PluginRuntime
import Prometheus
import ServiceLifecycle
import Synchronization

/// A REST read (`GET /v1/plugins/notes`) at a fixed 500 requests per second from a loopback
/// client: latency percentiles, goal p99 ≤ 5 ms.
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

    Benchmark("GET /v1/plugins/notes at 500 req/s (1000 requests per iteration)",
              configuration: .init(metrics: [p50, p99, max], maxDuration: .seconds(20), maxIterations: 5)) { (benchmark: Benchmark, server: ServerUnderLoad) in
        let latencies = try FixedRateLoad(port: server.port, path: "/v1/plugins/notes", rate: 500, count: 1000, connections: 4).run()
        let sorted = latencies.sorted()
        benchmark.measurement(p50, sorted[sorted.count / 2] / 1000)
        benchmark.measurement(p99, sorted[sorted.count * 99 / 100] / 1000)
        benchmark.measurement(max, sorted[sorted.count - 1] / 1000)
        print("fixed 500 req/s, \(sorted.count) requests: p50 \(sorted[sorted.count / 2] / 1000) µs, p99 \(sorted[sorted.count * 99 / 100] / 1000) µs, max \(sorted[sorted.count - 1] / 1000) µs")
    } setup: {
        // The server lives in this process, so it ends with the benchmark run.
        try await ServerUnderLoad.start(plugins: plugins, logger: quiet)
    }
}

/// The server, in this process, as `market serve` runs it (no database: the catalog needs none).
final class ServerUnderLoad: Sendable {
    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let pool: DatabasePool

    private init(port: Int, group: ServiceGroup, running: Task<Void, any Error>, pool: DatabasePool) {
        self.port = port
        self.group = group
        self.running = running
        self.pool = pool
    }

    static func start(plugins: URL, logger: Logger) async throws -> ServerUnderLoad {
        let runtime = PluginRuntime(services: HostServices(logger: logger))
        let catalog = try await PluginCatalog.load(installed: nil, development: plugins, runtime: runtime, logger: logger)
        let pool = DatabasePool(connectionString: "host=/nonexistent port=1 user=market dbname=market", logger: logger)
        let dependencies = ServerDependencies(pool: pool, readiness: DatabaseReadiness(pool: pool, migrator: try Migrator()),
                                              catalog: catalog, metrics: PrometheusCollectorRegistry())
        let server = MarketServer(configuration: ServerConfiguration(host: "127.0.0.1", port: 0), dependencies: dependencies, logger: logger)
        let (ports, announce) = AsyncStream.makeStream(of: Int.self)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: server.makeService { announce.yield($0) })], logger: logger))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CocoaError(.fileReadUnknown) }
        return ServerUnderLoad(port: port, group: group, running: running, pool: pool)
    }
}
