import Benchmark
import Foundation
import Logging
import LoopbackLoad
import MarketStore
import Synchronization

/// From an admin API change of a plugin's version to every replica serving it (goal: p50 ≤ 2 s
/// on loopback with a 1 MB plugin), and tool calls failed while versions switch under load
/// (goal: 0 at 500 calls/s).
///
/// Two `market serve` replicas share a private PostgreSQL cluster; each change is
/// `POST /v1/admin/plugins/textkit/install` with the exact range of the next published version
/// (1.0.1, 1.0.2, …), on one replica, so each node downloads, verifies, extracts and probes a
/// new 1 MB package every time (not a version it kept on disk). It has converged when `GET /v1/admin/plugins/textkit` reports both nodes
/// running the version at the current generation and `GET /v1/plugins` on each replica lists
/// it; each is polled every 10 ms. The first phase changes versions on idle servers; the second
/// makes the same changes while slash commands arrive at a fixed rate (`CONVERGENCE_RATE`,
/// 500 a second by default) across both replicas.
let benchmarks: @Sendable () -> Void = {
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let environment = ProcessInfo.processInfo.environment
    let changes = Int(environment["CONVERGENCE_CHANGES"] ?? "") ?? 12
    let rate = Int(environment["CONVERGENCE_RATE"] ?? "") ?? 500
    let idleP50 = BenchmarkMetric.custom("idle: p50 change → both serving (ms)", useScalingFactor: false)
    let idleMax = BenchmarkMetric.custom("idle: max change → both serving (ms)", useScalingFactor: false)
    let loadedP50 = BenchmarkMetric.custom("under load: p50 change → both serving (ms)", useScalingFactor: false)
    let failedCalls = BenchmarkMetric.custom("under load: failed calls", useScalingFactor: false)
    let achieved = BenchmarkMetric.custom("under load: calls/s achieved", useScalingFactor: false)

    Benchmark("Plugin version change through the admin API → both replicas serving it (1 MB plugin)",
              configuration: .init(metrics: [idleP50, idleMax, loadedP50, failedCalls, achieved], warmupIterations: 0,
                                   maxDuration: .seconds(600), maxIterations: 1)) {
        (benchmark: Benchmark, world: ConvergenceWorld) in
        let ports = world.servers.map(\.port)
        print("\(world.versions.count) textkit versions published; package of each: \(world.packageBytes) bytes; market: \(world.market)")

        // Installed and enabled for the tenant first (not timed).
        _ = try converge(world, to: world.versions[0])
        let enabled = try LoopbackRequest(method: "POST", path: "/v1/tenants/acme/plugins/textkit/enable", headers: world.authorization).send(to: ports[0])
        guard enabled.status == 200 else { throw WorldError("enabling textkit failed: \(enabled.status) \(enabled.body)") }

        // Idle: the change alone.
        var idle: [Double] = []
        for change in 1...changes { idle.append(try converge(world, to: world.versions[change])) }

        // Under load: the same changes while slash commands arrive on both replicas.
        let before = try await toolCalls(world.pool)
        let load = ChatLoad(ports: ports, tenant: "acme", token: world.tenantToken, rate: rate, connections: 64)
        try await Task.sleep(for: .seconds(2))
        var loaded: [Double] = []
        for change in (changes + 1)...(2 * changes) { loaded.append(try converge(world, to: world.versions[change])) }
        try await Task.sleep(for: .seconds(1))
        let (counts, callRate) = load.stop()
        try await Task.sleep(for: .seconds(1))
        let after = try await toolCalls(world.pool)

        let ms = { (seconds: Double) in Int((seconds * 1000).rounded()) }
        let summary = { (samples: [Double]) -> String in
            let sorted = samples.sorted()
            let at = { (fraction: Double) in sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)] }
            return "p50 \(ms(at(0.5))) ms, p90 \(ms(at(0.9))) ms, max \(ms(sorted.last ?? 0)) ms (\(samples.count) changes)"
        }
        let median = { (samples: [Double]) in samples.sorted()[(samples.count - 1) / 2] }
        let failedTools = after.failed - before.failed
        benchmark.measurement(idleP50, ms(median(idle)))
        benchmark.measurement(idleMax, ms(idle.max() ?? 0))
        benchmark.measurement(loadedP50, ms(median(loaded)))
        benchmark.measurement(failedCalls, counts.failed + failedTools)
        benchmark.measurement(achieved, Int(callRate.rounded()))
        print("""
            change through the admin API → both replicas serving the new version (goal p50 ≤ 2000 ms):
              idle:                \(summary(idle))
              under load:          \(summary(loaded))
            slash commands (/word_count, a textkit tool call each) during the changes under load, asked at \(rate)/s on 64 connections:
              calls made \(counts.made), failed \(counts.failed) (HTTP statuses \(counts.statuses.sorted { $0.key < $1.key })), \
            tool calls recorded \(after.total - before.total) of which failed \(failedTools) (goal 0)
              rate achieved \(Int(callRate.rounded())) calls/s
            """)
    } setup: {
        let world = try await ConvergenceWorld.start(versions: 2 * changes + 1, logger: quiet)
        started.withLock { $0 = world }
        return world
    } teardown: {
        if let world = started.withLock({ $0 }) { try await world.stop() }
    }
}

/// What the setup made, for the teardown to stop.
private let started = Mutex<ConvergenceWorld?>(nil)

/// Asks replica 0 for `version` and waits until both replicas serve it; the seconds that took.
private func converge(_ world: ConvergenceWorld, to version: String) throws -> Double {
    let ports = world.servers.map(\.port)
    let start = monotonicNanoseconds()
    let asked = try LoopbackRequest(method: "POST", path: "/v1/admin/plugins/textkit/install", headers: world.authorization,
                                    body: #"{"range": "\#(version)"}"#).send(to: ports[0])
    guard asked.status == 202 || asked.status == 200 else { throw WorldError("install \(version): \(asked.status) \(asked.body)") }
    let deadline = start + 60_000_000_000
    while monotonicNanoseconds() < deadline {
        if try serving(version, world: world, ports: ports) { return Double(monotonicNanoseconds() - start) / 1e9 }
        usleep(10_000)
    }
    throw WorldError("the replicas did not both serve textkit \(version) within 60 s")
}

/// Whether both nodes report `version` running at the current generation and both list it.
private func serving(_ version: String, world: ConvergenceWorld, ports: [Int]) throws -> Bool {
    let state = try LoopbackRequest(method: "GET", path: "/v1/admin/plugins/textkit", headers: world.authorization).send(to: ports[0])
    let nodes = LoopbackRequest.json(state.body)["nodes"] as? [[String: Any]] ?? []
    guard nodes.count == 2, nodes.allSatisfy({ $0["running"] as? String == version && $0["converged"] as? Bool == true }) else { return false }
    for port in ports {
        let listed = try LoopbackRequest(method: "GET", path: "/v1/plugins").send(to: port)
        let plugins = LoopbackRequest.json(listed.body)["plugins"] as? [[String: Any]] ?? []
        guard plugins.contains(where: { $0["id"] as? String == "textkit" && $0["version"] as? String == version }) else { return false }
    }
    return true
}

/// The `tool.called` events so far, and how many of them failed.
private func toolCalls(_ pool: DatabasePool) async throws -> (total: Int, failed: Int) {
    let row = try await pool.query("""
        SELECT count(*) AS total, count(*) FILTER (WHERE data->>'ok' <> 'true') AS failed FROM events WHERE type = 'tool.called'
        """).first
    return (try row?.decode("total", as: Int.self) ?? 0, try row?.decode("failed", as: Int.self) ?? 0)
}

extension ConvergenceWorld {
    var authorization: [String: String] { ["Authorization": "Bearer \(admin)"] }
}
