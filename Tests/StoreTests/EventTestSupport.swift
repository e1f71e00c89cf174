import Foundation
import MarketCore
import MarketStore
import PluginRuntime
import StoreTestSupport
import Synchronization
import Testing

/// A migrated database with tenants and enabled plugin installations, and a bus on it.
struct BusFixture {
    let url: String
    let pool: DatabasePool
    let bus: EventBus

    /// - Parameter installations: `tenant/plugin` pairs to create, enabled.
    static func make(installations: [String] = [], poolSize: Int = 4) async throws -> BusFixture {
        let url = try await freshDatabase()
        let pool = DatabasePool(connectionString: url, configuration: .init(size: poolSize), logger: quietLogger)
        pool.start()
        try await Migrator().apply(using: pool, logger: quietLogger)
        let fixture = BusFixture(url: url, pool: pool, bus: EventBus(pool: pool, logger: quietLogger))
        for installation in installations { try await fixture.install(installation) }
        return fixture
    }

    /// Creates the tenant if needed and an enabled installation of the plugin.
    func install(_ installation: String, enabled: Bool = true) async throws {
        let parts = installation.split(separator: "/").map(String.init)
        _ = try await pool.query("INSERT INTO tenants (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", [parts[0]])
        _ = try await pool.query("INSERT INTO plugin_installations (tenant_id, plugin_id, enabled) VALUES ($1, $2, $3)", [parts[0], parts[1], enabled])
    }

    /// A worker on the fixture's pool, or on `pool` (another replica's, say).
    func worker(_ targets: any DeliveryTargets, batchSize: Int = 16, loops: Int = 2, lease: Duration = .seconds(30),
                retries: RetrySchedule = RetrySchedule(retryDelays: [.milliseconds(100), .milliseconds(100)], jitter: 0),
                pool: DatabasePool? = nil) -> DeliveryWorker {
        DeliveryWorker(pool: pool ?? self.pool, connectionString: url, targets: targets,
                       configuration: .init(batchSize: batchSize, loops: loops, lease: lease, pollInterval: .milliseconds(200), retries: retries),
                       logger: quietLogger)
    }

    /// The status and attempts of every delivery of `eventID`, by plugin id.
    func rows(of eventID: String) async throws -> [String: (status: String, attempts: Int)] {
        var found: [String: (String, Int)] = [:]
        for row in try await pool.query("SELECT subscriber, status, attempts FROM deliveries WHERE event_id = $1", [eventID]) {
            found[try row.decode("subscriber")] = (try row.decode("status"), try row.decode("attempts"))
        }
        return found
    }

    /// A pool of its own on the fixture's database, as a second replica would have.
    func replicaPool() -> DatabasePool {
        let pool = DatabasePool(connectionString: url, configuration: .init(size: 3), logger: quietLogger)
        pool.start()
        return pool
    }

    func shutdown() async { await pool.shutdown() }
}

/// Runs `worker` in a task until `body` returns, then stops it and waits for it to finish.
func whileRunning<Value: Sendable>(_ workers: [DeliveryWorker], _ body: () async throws -> Value) async throws -> Value {
    let tasks = workers.map { worker in Task { try await worker.run() } }
    do {
        let value = try await body()
        for task in tasks { task.cancel() }
        for task in tasks { try await task.value }
        return value
    } catch {
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        throw error
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. A condition
/// that throws counts as not holding yet.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return (try? await condition()) == true
}

/// A target that records what it receives and answers from a script (acknowledging by default).
final class RecordingTargets: DeliveryTargets {
    struct Received: Sendable, Equatable {
        let subscriber: Subscriber
        let event: EventEnvelope
        let worker: String
        /// When it arrived; instants of one process compare across threads.
        let at: ContinuousClock.Instant
    }

    private struct State {
        var received: [Received] = []
        var script: [Subscriber: [EventDeliveryOutcome]] = [:]
        var lookups: [Subscriber: Int] = [:]
    }

    private let state = Mutex(State())
    let name: String
    /// Time each delivery takes, to give concurrent workers a chance to overlap.
    let delay: Duration

    init(name: String = "worker", delay: Duration = .zero) {
        self.name = name
        self.delay = delay
    }

    /// The next outcomes for `subscriber`, used up one per delivery.
    func script(_ subscriber: Subscriber, _ outcomes: [EventDeliveryOutcome]) {
        state.withLock { $0.script[subscriber] = outcomes }
    }

    var received: [Received] { state.withLock { $0.received } }

    /// How many times a worker asked for each subscriber's target.
    var lookups: [Subscriber: Int] { state.withLock { $0.lookups } }

    func target(for subscriber: Subscriber) async -> (any DeliveryTarget)? {
        state.withLock { $0.lookups[subscriber, default: 0] += 1 }
        return Target(owner: self, subscriber: subscriber)
    }

    fileprivate func record(_ subscriber: Subscriber, _ event: EventEnvelope) -> EventDeliveryOutcome {
        state.withLock { state in
            state.received.append(Received(subscriber: subscriber, event: event, worker: name, at: .now))
            guard var outcomes = state.script[subscriber], !outcomes.isEmpty else { return .acknowledged }
            let next = outcomes.removeFirst()
            state.script[subscriber] = outcomes
            return next
        }
    }

    private struct Target: DeliveryTarget {
        let owner: RecordingTargets
        let subscriber: Subscriber

        func deliver(_ event: EventEnvelope) async throws -> EventDeliveryOutcome {
            if owner.delay > .zero { try await Task.sleep(for: owner.delay) }
            return owner.record(subscriber, event)
        }
    }
}

/// Several recorders' logs merged in arrival order, for workers that each have their own.
func allReceived(_ targets: [RecordingTargets]) -> [RecordingTargets.Received] { targets.flatMap(\.received).sorted { $0.at < $1.at } }
