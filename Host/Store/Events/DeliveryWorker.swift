import CoreMetrics
import Logging
import MarketCore

/// Delivers the outbox's due rows to their targets, on every replica at once.
///
/// `run()` listens for the bus's notifications and claims due rows in batches (`FOR UPDATE
/// SKIP LOCKED`, so workers never share a row) under a lease; it also polls, which picks up
/// retries that came due and rows whose worker died (their lease ran out). Each outcome is
/// written back: delivered, retried on the schedule, or dead after the last attempt or a
/// rejection. A row whose attempts were all claimed without an outcome (the host crashed while
/// delivering it) is dead at its next claim. Shaped as a service: `run()` returns when its task
/// is cancelled, after the deliveries in flight finished and their outcomes were written.
public final class DeliveryWorker: Sendable {
    /// How a worker claims and retries.
    public struct Configuration: Sendable {
        /// Rows claimed at once by each loop.
        public var batchSize: Int
        /// Claim loops running side by side; a slow target holds up only its own loop's batch.
        public var loops: Int
        /// How long a claim is held; make it longer than the targets' delivery timeout.
        public var lease: Duration
        /// How often to look for due rows without a notification.
        public var pollInterval: Duration
        /// When failed deliveries are tried again.
        public var retries: RetrySchedule

        public init(batchSize: Int = 64, loops: Int = 2, lease: Duration = .seconds(120), pollInterval: Duration = .seconds(1),
                    retries: RetrySchedule = .standard) {
            self.batchSize = max(1, batchSize)
            self.loops = max(1, loops)
            self.lease = lease
            self.pollInterval = pollInterval
            self.retries = retries
        }
    }

    public let configuration: Configuration
    private let queue: DeliveryQueue
    private let connectionString: String
    private let targets: any DeliveryTargets
    private let metrics: DeliveryMetrics
    private let pool: DatabasePool
    private let logger: Logger

    /// - Parameters:
    ///   - pool: the connections claims and outcomes use.
    ///   - connectionString: the database to listen on for notifications (the pool's).
    ///   - targets: where subscribers' events go on this replica.
    ///   - metrics: where the bus's metrics go (`DeliveryMetrics` names them); the process's
    ///     factory by default.
    public init(pool: DatabasePool, connectionString: String, targets: any DeliveryTargets,
                configuration: Configuration = Configuration(), metrics: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        queue = DeliveryQueue(pool: pool, maximumAttempts: configuration.retries.maximumAttempts)
        self.pool = pool
        self.metrics = DeliveryMetrics(factory: metrics)
        self.connectionString = connectionString
        self.targets = targets
        self.configuration = configuration
        self.logger = logger
    }

    /// Delivers until the task is cancelled, then returns once the deliveries in flight are
    /// done and recorded.
    /// - Throws: `DB_UNAVAILABLE` when the notification connection cannot be opened at start.
    public func run() async throws {
        let listener = try await NotificationListener.start(connectionString: connectionString, channels: [EventBus.deliveriesChannel], logger: logger)
        let wake = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in listener.notifications { wake.signal() }
            }
            group.addTask { await self.gaugePending() }
            for _ in 0..<configuration.loops {
                group.addTask { await self.loop(wake) }
            }
            for _ in 0...configuration.loops { await group.next() }
            listener.stop()
            await group.waitForAll()
        }
    }

    private func loop(_ wake: WakeSignal) async {
        while !Task.isCancelled {
            // A round runs in a task of its own, which cancellation does not reach: a claimed
            // batch is always delivered and recorded.
            let round = Task { try await self.deliverDue() }
            do {
                if try await round.value == 0 { await wake.wait(timeout: configuration.pollInterval) }
            } catch {
                logger.warning("delivery round failed; trying again", metadata: ["error": "\(error)"])
                await wake.wait(timeout: configuration.pollInterval)
            }
        }
    }

    /// Samples the outbox's pending depth for `market_deliveries_pending` each poll interval
    /// (at least every second) until cancelled.
    private func gaugePending() async {
        while !Task.isCancelled {
            if let row = try? await pool.query("SELECT count(*) AS pending FROM deliveries WHERE status = 'pending'").first,
               let pending = try? row.decode("pending", as: Int.self) {
                metrics.recordPending(pending)
            }
            try? await Task.sleep(for: max(configuration.pollInterval, .seconds(1)))
        }
    }

    /// Claims one batch, delivers it and records the outcomes.
    /// - Returns: how many rows the claim took: deliveries attempted, and rows dead-lettered
    ///   because their attempts were used up.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let claim = try await queue.claim(limit: configuration.batchSize, lease: configuration.lease)
        for spent in claim.exhausted {
            metrics.recordExhausted()
            logger.error("delivery dead-lettered: its last attempt never finished (did the host crash delivering it?)",
                         metadata: ["event": "\(spent.event.id)", "type": "\(spent.event.type)", "subscriber": "\(spent.subscriber)",
                                    "attempts": "\(spent.attempt)"])
        }
        let claimed = claim.deliveries
        guard !claimed.isEmpty else { return claim.exhausted.count }
        let outcomes = await withTaskGroup(of: (ClaimedDelivery, DeliveryResult).self) { group in
            for delivery in claimed {
                group.addTask {
                    let started = ContinuousClock.now
                    let result = await self.attempt(delivery)
                    self.metrics.record(result, after: .now - started)
                    return (delivery, result)
                }
            }
            var outcomes: [(ClaimedDelivery, DeliveryResult)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let recorded = try await queue.complete(outcomes)
        if recorded < outcomes.count {
            logger.warning("some deliveries outlived their lease; another worker took them over",
                           metadata: ["count": "\(outcomes.count - recorded)"])
        }
        return claimed.count + claim.exhausted.count
    }

    private func attempt(_ delivery: ClaimedDelivery) async -> DeliveryResult {
        let metadata: Logger.Metadata = ["event": "\(delivery.event.id)", "subscriber": "\(delivery.subscriber)", "attempt": "\(delivery.attempt)"]
        let failure: String
        if let target = await targets.target(for: delivery.subscriber) {
            do {
                switch try await target.deliver(delivery.event) {
                case .acknowledged:
                    return .delivered
                case .rejected(let message):
                    logger.info("delivery rejected; dead-lettered", metadata: metadata)
                    return .dead(error: "rejected: " + (message.isEmpty ? "no reason given" : message))
                case .retryLater(let message):
                    failure = message.isEmpty ? "the target asked to retry later" : message
                }
            } catch {
                failure = "\(error)"
            }
        } else {
            failure = "no target for \(delivery.subscriber) on this replica"
        }
        guard let delay = configuration.retries.delay(afterAttempt: delivery.attempt) else {
            logger.warning("delivery failed on its last attempt; dead-lettered", metadata: metadata)
            return .dead(error: failure)
        }
        logger.debug("delivery failed; retrying", metadata: metadata.merging(["delay": "\(delay)"]) { $1 })
        return .retry(delay: delay, error: failure)
    }
}
