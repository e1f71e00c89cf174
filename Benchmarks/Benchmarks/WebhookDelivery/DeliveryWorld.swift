import Foundation
import BenchmarkStats
import Logging
import MarketCore
import MarketHTTP
import MarketStore
import PluginHosting
import PluginRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private cluster, tenant `one` with one webhook endpoint and tenant `eight` with eight, all
/// posting to the lean receiver, and a `DeliveryWorker` with `market serve`'s settings
/// delivering through the plugin owner to the release build of the webhooks plugin
/// (scripts/build-plugins.sh release), loaded with dlopen. Made once per benchmark process.
final class DeliveryWorld: Sendable {
    private static let current = Mutex<Task<DeliveryWorld, any Error>?>(nil)

    static func shared() async throws -> DeliveryWorld {
        let task = current.withLock { current in
            if let current { return current }
            let made = Task { try await DeliveryWorld.start() }
            current = made
            return made
        }
        return try await task.value
    }

    static func stop() async {
        guard let task = current.withLock({ current in defer { current = nil }; return current }), let world = try? await task.value else { return }
        world.worker.cancel()
        _ = try? await world.worker.value
        await world.host.closeAll()
        await world.runtime.shutdown()
        world.receiver.stop()
        await world.pool.shutdown()
        _ = try? await world.cluster.stop()
        try? FileManager.default.removeItem(at: world.folder)
    }

    let folder: URL
    let cluster: PrivateCluster
    let pool: DatabasePool
    let bus: EventBus
    let runtime: PluginRuntime
    let host: PluginHost
    let receiver: ReceiverProcess
    let worker: Task<Void, any Error>

    private init(folder: URL, cluster: PrivateCluster, pool: DatabasePool, bus: EventBus, runtime: PluginRuntime, host: PluginHost,
                 receiver: ReceiverProcess, worker: Task<Void, any Error>) {
        self.folder = folder
        self.cluster = cluster
        self.pool = pool
        self.bus = bus
        self.runtime = runtime
        self.host = host
        self.receiver = receiver
        self.worker = worker
    }

    private static func start() async throws -> DeliveryWorld {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        // Benchmarks run in Benchmarks/; the plugins are built into the repository's .build.
        let benchmarks = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let plugins = benchmarks.deletingLastPathComponent().appendingPathComponent(".build/market-plugins")
        guard FileManager.default.fileExists(atPath: plugins.appendingPathComponent("webhooks/plugin.json").path) else {
            throw BenchFailure("\(plugins.path)/webhooks is missing: run scripts/build-plugins.sh release in the repository root")
        }
        // Short, and traversable by the postgres user when running as root.
        let folder = URL(fileURLWithPath: "/tmp/mkwh-\(UInt32.random(in: 0 ... .max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let receiver = try ReceiverProcess(folder: folder, benchmarksFolder: benchmarks)
        let cluster = PrivateCluster(stateDirectory: folder, configuration: .init(port: 55_000 + Int.random(in: 0..<5_000)))
        _ = try await cluster.start()
        let pool = DatabasePool(connectionString: cluster.connectionString, configuration: .init(size: 12), logger: logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logger)
        let bus = EventBus(pool: pool, logger: logger)
        let folders = PluginFolders(stateDirectory: nil, developmentFolders: [plugins])
        let tenants = TenantStore(pool: pool, masterKey: .generate(), manifests: folders, logger: logger)
        // The plugin's grant is a wildcard, so every address goes through the guard; the
        // operator allows loopback, where the receiver is (`market serve --allow-network loopback`).
        var services = HostServices(logger: logger, keyValue: PostgresKeyValueStore(pool: pool), events: bus)
        services.http.allowedRanges = [.loopback]
        let runtime = PluginRuntime(services: services)
        let host = PluginHost(runtime: runtime, folders: folders, tenants: tenants, deliveryTimeout: .seconds(30), logger: logger)
        let targets = EventTargets(pool: pool, box: tenants.box, logger: logger)
        for (tenant, endpoints) in [("one", 1), ("eight", 8)] {
            _ = try await tenants.createTenant(tenant, by: .system)
            _ = try await tenants.enable("webhooks", tenant: tenant, by: .system)
            for _ in 0..<endpoints {
                _ = try await host.createTarget(EventTargets.Draft(tenantID: tenant, pluginID: "webhooks", patterns: ["lead.*"]),
                                                settings: .object(["url": .string(receiver.url)]), in: targets, by: .system)
            }
        }
        let worker = DeliveryWorker(pool: pool, connectionString: cluster.connectionString, targets: host, logger: logger)
        let running = Task { try await worker.run() }
        return DeliveryWorld(folder: folder, cluster: cluster, pool: pool, bus: bus, runtime: runtime, host: host, receiver: receiver, worker: running)
    }

    /// What a sustained run measured.
    struct Sustained {
        let deliveries: Int
        let perSecond: Double
        /// CPU µs per delivery in this process (the host) and in PostgreSQL's processes.
        let hostMicroseconds: Double
        let databaseMicroseconds: Double
        let lost: Int
        let duplicated: Int
    }

    /// Publishes `events` lead events of `tenant` in batches of `batch` from 4 publishers and
    /// waits until the receiver has every delivery (an event to each endpoint); CPU is counted
    /// from the first publish to the last arrival.
    func sustained(tenant: String, endpoints: Int, events: Int, batch: Int = 100) async throws -> Sustained {
        let envelopes = (0..<events).map { EventEnvelope(type: "lead.created", tenantID: tenant, data: Self.data($0)) }
        let expected = events * endpoints
        let already = try receiver.count()
        let database = ProcessStats.clusterCPUSeconds(dataDirectory: cluster.dataDirectory)
        let cpu = Self.processCPU()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            let publishers = 4
            for publisher in 0..<publishers {
                let mine = stride(from: publisher * batch, to: envelopes.count, by: publishers * batch)
                group.addTask { [bus] in
                    for start in mine { try await bus.publish(Array(envelopes[start..<min(start + batch, envelopes.count)])) }
                }
            }
            try await group.waitForAll()
        }
        try await receiver.waitFor(already + expected, timeout: .seconds(600))
        let elapsed = ContinuousClock.now - started
        let hostSeconds = Self.processCPU() - cpu
        let databaseSeconds = ProcessStats.clusterCPUSeconds(dataDirectory: cluster.dataDirectory) - database
        let (lost, duplicated) = try await settle(Set(envelopes.map(\.id)), endpoints: endpoints)
        return Sustained(deliveries: expected, perSecond: Double(expected) / elapsed.seconds,
                         hostMicroseconds: hostSeconds * 1e6 / Double(expected), databaseMicroseconds: databaseSeconds * 1e6 / Double(expected),
                         lost: lost, duplicated: duplicated)
    }

    /// Publishes `events` events of tenant `one`, one at a time, `spacing` apart, and returns each
    /// one's time from the publish call to the receiver's arrival, in µs, sorted.
    func idle(events: Int, spacing: Duration) async throws -> (latencies: [Double], lost: Int, duplicated: Int) {
        let envelopes = (0..<events).map { EventEnvelope(type: "lead.created", tenantID: "one", data: Self.data($0)) }
        var published: [String: UInt64] = [:]
        for envelope in envelopes {
            published[envelope.id] = Self.monotonicNanoseconds()
            try await bus.publish(envelope)
            try await Task.sleep(for: spacing)
        }
        let arrivals = try receiver.received()
        let (lost, duplicated) = try await settle(Set(published.keys), endpoints: 1)
        var first: [Substring: UInt64] = [:]
        for arrival in arrivals where first[arrival.id] == nil { first[arrival.id] = arrival.at }
        let latencies = published.compactMap { id, at in first[Substring(id)].map { Double($0 - at) / 1000 } }.sorted()
        return (latencies, lost, duplicated)
    }

    /// Waits until the outbox has no pending row, then counts the events of `ids` the receiver
    /// never got and the extra copies it got, `endpoints` copies of each being expected.
    private func settle(_ ids: Set<String>, endpoints: Int) async throws -> (lost: Int, duplicated: Int) {
        for _ in 0..<1000 {
            let rows = try await pool.query("SELECT count(*) AS pending FROM deliveries WHERE status = 'pending'")
            if try rows.first?.decode("pending", as: Int.self) == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        var copies: [Substring: Int] = [:]
        for arrival in try receiver.received() where ids.contains(String(arrival.id)) { copies[arrival.id, default: 0] += 1 }
        let lost = ids.count * endpoints - copies.values.reduce(0) { $0 + min($1, endpoints) }
        let duplicated = copies.values.reduce(0) { $0 + max(0, $1 - endpoints) }
        return (lost, duplicated)
    }

    /// A lead as a CRM would send it: about 200 bytes of data.
    static func data(_ n: Int) -> String {
        #"{"lead":{"id":\#(n),"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0958","stage":"qualified"},"source":"bench","score":\#(n % 100)}"#
    }

    /// CPU seconds (user and system) this process has used.
    static func processCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// CLOCK_MONOTONIC, the receiver's clock.
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
