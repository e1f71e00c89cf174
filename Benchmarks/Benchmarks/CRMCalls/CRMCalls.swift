import Benchmark
import Foundation
import Logging
import Synchronization

/// A crm tool call through the host against PostgreSQL (goal: p50 ≤ 200 µs of host overhead
/// for a CRM tool call; here the store's round trips are part of the figure): `upsert_contact`
/// of a returning customer (one of 100 phones, spelled differently each time, so the call finds
/// the contact and merges into it), and `list_leads` of one stage, 20 newest of 2,000 leads.
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let plugins = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MARKET_PLUGINS"] ?? root.appendingPathComponent(".build/market-plugins").path)
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 200,
                                                maxDuration: .seconds(20), maxIterations: 5_000)

    Benchmark("crm upsert_contact, a returning customer (merge)", configuration: configuration) { (benchmark: Benchmark, world: CRMWorld) in
        let spellings = ["+7 (916) 000-00-%02d", "8916000 00%02d", "7916000-00-%02d"]
        var turn = 0
        for _ in benchmark.scaledIterations {
            turn += 1
            let phone = String(format: spellings[turn % 3], turn % 100)
            blackHole(try await world.instance.callTool("upsert_contact", arguments: #"{"name":"Customer","phone":"\#(phone)"}"#))
        }
    } setup: {
        try await start(plugins: plugins, leads: 0, logger: quiet)
    } teardown: {
        try await stop()
    }

    Benchmark("crm list_leads, one stage, 20 newest of 2,000 leads", configuration: configuration) { (benchmark: Benchmark, world: CRMWorld) in
        for _ in benchmark.scaledIterations {
            blackHole(try await world.instance.callTool("list_leads", arguments: #"{"stage":"qualified","limit":20}"#))
        }
    } setup: {
        try await start(plugins: plugins, leads: 2_000, logger: quiet)
    } teardown: {
        try await stop()
    }
}

/// The world the running benchmark's setup made, for its teardown.
private let started = Mutex<CRMWorld?>(nil)

private func start(plugins: URL, leads: Int, logger: Logger) async throws -> CRMWorld {
    let world = try await CRMWorld.start(plugins: plugins, leads: leads, logger: logger)
    started.withLock { $0 = world }
    return world
}

private func stop() async throws {
    if let world = started.withLock({ $0 }) { try await world.stop() }
    started.withLock { $0 = nil }
}
