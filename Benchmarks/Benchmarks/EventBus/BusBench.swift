import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime
import Synchronization

/// A private cluster, a bus, a worker and a sink plugin (textkit, the C example plugin built by
/// scripts/build-plugins.sh, loaded with dlopen), made once per benchmark process.
final class BusBench: Sendable {
    private static let current = Mutex<Task<BusBench, any Error>?>(nil)

    /// The running bench, started on first use.
    static func shared() async throws -> BusBench {
        let task = current.withLock { current in
            if let current { return current }
            let made = Task { try await BusBench.start() }
            current = made
            return made
        }
        return try await task.value
    }

    /// Stops the worker and the cluster and removes its files.
    static func stop() async {
        guard let task = current.withLock({ current in defer { current = nil }; return current }), let bench = try? await task.value else { return }
        bench.worker.cancel()
        _ = try? await bench.worker.value
        await bench.pool.shutdown()
        _ = try? await bench.cluster.stop()
        try? FileManager.default.removeItem(at: bench.folder)
    }

    let folder: URL
    let cluster: PrivateCluster
    let pool: DatabasePool
    let bus: EventBus
    let sink: Sink
    let worker: Task<Void, any Error>

    private init(folder: URL, cluster: PrivateCluster, pool: DatabasePool, bus: EventBus, sink: Sink, worker: Task<Void, any Error>) {
        self.folder = folder
        self.cluster = cluster
        self.pool = pool
        self.bus = bus
        self.sink = sink
        self.worker = worker
    }

    private static func start() async throws -> BusBench {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        // Short, and traversable by the postgres user when running as root.
        let folder = URL(fileURLWithPath: "/tmp/mkbus-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(stateDirectory: folder, configuration: .init(port: 55_000 + Int.random(in: 0..<5_000)))
        _ = try await cluster.start()
        let pool = DatabasePool(connectionString: cluster.connectionString, configuration: .init(size: 12), logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        _ = try await pool.query("INSERT INTO tenants (id, name) VALUES ('bench', 'Bench')")
        _ = try await pool.query("INSERT INTO plugin_installations (tenant_id, plugin_id, enabled) VALUES ('bench', 'textkit', true)")
        let bus = EventBus(pool: pool, logger: logger)
        try await bus.subscribe(Subscriber(tenantID: "bench", pluginID: "textkit"), to: ["*"])
        // Benchmarks run in Benchmarks/; the plugins are built into the repository's .build.
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
        let runtime = PluginRuntime(services: HostServices(logger: logger))
        let library = try runtime.load(root.appendingPathComponent(".build/market-plugins/textkit"))
        let sink = Sink(plugin: try await runtime.instantiate(library, tenantID: "bench"))
        let worker = DeliveryWorker(pool: pool, connectionString: cluster.connectionString, targets: sink,
                                    configuration: .init(batchSize: 500, loops: 2), logger: logger)
        let running = Task { try await worker.run() }
        return BusBench(folder: folder, cluster: cluster, pool: pool, bus: bus, sink: sink, worker: running)
    }

    /// Publishes `events` in batches from `publishers` tasks and waits for every acknowledgement.
    /// - Returns: events per second, from the first publish to the last acknowledgement.
    func sustained(events: Int, batch: Int, publishers: Int) async throws -> Double {
        let envelopes = (0..<events).map { EventEnvelope(type: "bench.tick", tenantID: "bench", data: #"{"n":\#($0)}"#) }
        let done = sink.expect(Set(envelopes.map(\.id)))
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for publisher in 0..<publishers {
                let mine = stride(from: publisher * batch, to: envelopes.count, by: publishers * batch)
                group.addTask { [bus] in
                    for start in mine { try await bus.publish(Array(envelopes[start..<min(start + batch, envelopes.count)])) }
                }
            }
            try await group.waitForAll()
        }
        await done.value
        let elapsed = ContinuousClock.now - started
        return Double(events) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Publishes one event every `1/perSecond` s, each on its own, and returns each one's time
    /// from the publish call to its acknowledgement.
    func paced(events: Int, perSecond: Int) async throws -> [Duration] {
        let envelopes = (0..<events).map { EventEnvelope(type: "bench.paced", tenantID: "bench", data: #"{"n":\#($0)}"#) }
        let done = sink.expect(Set(envelopes.map(\.id)))
        let clock = ContinuousClock()
        let start = clock.now
        let interval = Duration.seconds(1) / perSecond
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, envelope) in envelopes.enumerated() {
                try await clock.sleep(until: start + interval * index)
                sink.sent(envelope.id, at: clock.now)
                group.addTask { [bus] in try await bus.publish(envelope) }
            }
            try await group.waitForAll()
        }
        await done.value
        return sink.latencies(of: envelopes.map(\.id))
    }
}

/// Hands every event to the plugin and notes when the plugin acknowledged it.
final class Sink: DeliveryTargets, DeliveryTarget {
    private struct State {
        var waiting: Set<String> = []
        var finished: CheckedContinuation<Void, Never>?
        var sentAt: [String: ContinuousClock.Instant] = [:]
        var arrivedAt: [String: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    let plugin: PluginInstance

    init(plugin: PluginInstance) {
        self.plugin = plugin
    }

    func target(for subscriber: Subscriber) async -> (any DeliveryTarget)? { self }

    func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome {
        let outcome = try await plugin.deliver(event)
        guard outcome == .acknowledged else { return outcome }
        let now = ContinuousClock.now
        let finished: CheckedContinuation<Void, Never>? = state.withLock { state in
            if state.arrivedAt[event.id] == nil { state.arrivedAt[event.id] = now }
            guard state.waiting.remove(event.id) != nil, state.waiting.isEmpty else { return nil }
            defer { state.finished = nil }
            return state.finished
        }
        finished?.resume()
        return .acknowledged
    }

    /// Starts waiting for `ids`; the task ends when each was acknowledged once.
    func expect(_ ids: Set<String>) -> Task<Void, Never> {
        state.withLock { state in
            state.waiting = ids
            state.sentAt = [:]
            state.arrivedAt = [:]
        }
        return Task {
            await withCheckedContinuation { continuation in
                let already = state.withLock { state in
                    if state.waiting.isEmpty { return true }
                    state.finished = continuation
                    return false
                }
                if already { continuation.resume() }
            }
        }
    }

    func sent(_ id: String, at instant: ContinuousClock.Instant) {
        state.withLock { $0.sentAt[id] = instant }
    }

    func latencies(of ids: [String]) -> [Duration] {
        state.withLock { state in ids.compactMap { id in state.sentAt[id].flatMap { sent in state.arrivedAt[id].map { $0 - sent } } } }
    }
}
