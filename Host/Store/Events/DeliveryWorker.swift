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
        /// How target rows (market.targets/1) are retried, paused and disabled.
        public var targets: TargetPolicy

        public init(batchSize: Int = 64, loops: Int = 2, lease: Duration = .seconds(120), pollInterval: Duration = .seconds(1),
                    retries: RetrySchedule = .standard, targets: TargetPolicy = TargetPolicy()) {
            self.batchSize = max(1, batchSize)
            self.loops = max(1, loops)
            self.lease = lease
            self.pollInterval = pollInterval
            self.retries = retries
            self.targets = targets
        }
    }

    public let configuration: Configuration
    let queue: DeliveryQueue
    private let connectionString: String
    let targets: any DeliveryTargets
    let metrics: DeliveryMetrics
    private let pool: DatabasePool
    let logger: Logger

    /// - Parameters:
    ///   - pool: the connections claims and outcomes use.
    ///   - connectionString: the database to listen on for notifications (the pool's).
    ///   - targets: where subscribers' events go on this replica.
    ///   - metrics: where the bus's metrics go (`DeliveryMetrics` names them); the process's
    ///     factory by default.
    public init(pool: DatabasePool, connectionString: String, targets: any DeliveryTargets,
                configuration: Configuration = Configuration(), metrics: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        queue = DeliveryQueue(pool: pool, maximumAttempts: configuration.retries.maximumAttempts, policy: configuration.targets)
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
                                    "target": "\(spent.targetID ?? "")", "attempts": "\(spent.attempt)"])
        }
        if claim.exhausted.contains(where: { $0.targetID != nil }) { try await queue.publishExhausted(claim.exhausted, logger: logger) }
        let claimed = claim.deliveries
        guard !claimed.isEmpty else { return claim.exhausted.count }
        // One lookup per subscriber and batch: finding a plugin's instance reads its installation
        // in a transaction, which cost more than the delivery itself when done for every row.
        var subscribers: [Subscriber: BatchTarget] = [:]
        for delivery in claimed where subscribers[delivery.subscriber] == nil {
            subscribers[delivery.subscriber] = BatchTarget(await targets.target(for: delivery.subscriber))
        }
        let found = subscribers
        // A plugin whose connection needs a person is not called: its rows wait (ConnectionHold).
        let plainSubscribers = Set(claimed.filter { $0.target == nil }.map(\.subscriber))
        let holds = plainSubscribers.isEmpty ? [:] : try await pool.withConnection { connection in
            try ConnectionHold.holds(for: plainSubscribers, on: connection)
        }
        // Target rows go one by one (each has its own endpoint); a subscriber's plain rows go
        // together, so a plugin that takes batches (market.event-batches/1) gets them in one call.
        let plainBySubscriber = Dictionary(grouping: claimed.filter { $0.target == nil }, by: \.subscriber)
        let outcomes = await withTaskGroup(of: [(ClaimedDelivery, DeliveryResult, TargetResult?)].self) { group in
            for delivery in claimed {
                guard let target = delivery.target else { continue }
                let subscriber = found[delivery.subscriber]?.target
                group.addTask {
                    // A rate-limited target's row waits for its slot before the clock starts.
                    if target.wait > 0 { try? await Task.sleep(for: .milliseconds(Int64(target.wait * 1000))) }
                    let started = ContinuousClock.now
                    let result = await self.attempt(delivery, to: target, through: subscriber)
                    self.metrics.record(result.row, after: .now - started)
                    return [(delivery, result.row, result)]
                }
            }
            for (subscriber, deliveries) in plainBySubscriber {
                let target = found[subscriber]?.target
                if let hold = holds[subscriber] {
                    group.addTask {
                        deliveries.map { delivery in
                            self.metrics.record(.held(reason: hold), after: .zero)
                            return (delivery, .held(reason: hold), nil)
                        }
                    }
                    continue
                }
                group.addTask {
                    let started = ContinuousClock.now
                    let results = await self.attempt(deliveries, through: target)
                    let elapsed = ContinuousClock.now - started
                    return zip(deliveries, results).map { delivery, result in
                        self.metrics.record(result, after: elapsed)
                        return (delivery, result, nil)
                    }
                }
            }
            var outcomes: [(ClaimedDelivery, DeliveryResult, TargetResult?)] = []
            for await some in group { outcomes.append(contentsOf: some) }
            return outcomes
        }
        let plain = outcomes.filter { $0.2 == nil }.map { ($0.0, $0.1) }
        let targeted = outcomes.compactMap { outcome in outcome.2.map { (outcome.0, $0) } }
        var recorded = try await queue.complete(plain)
        if !targeted.isEmpty {
            let completion = try await queue.completeTargets(targeted)
            recorded += completion.updated
            metrics.recordDisabled(completion.disabled.count)
            for target in completion.disabled { logger.warning("delivery target disabled", metadata: ["target": "\(target)"]) }
        }
        if recorded < outcomes.count {
            logger.warning("some deliveries outlived their lease; another worker took them over",
                           metadata: ["count": "\(outcomes.count - recorded)"])
        }
        return claimed.count + claim.exhausted.count
    }

    /// Delivers one subscriber's rows: one call for several when its target takes batches.
    private func attempt(_ deliveries: [ClaimedDelivery], through target: (any DeliveryTarget)?) async -> [DeliveryResult] {
        let subscriber = deliveries[0].subscriber
        guard let target else {
            return deliveries.map { settle($0, failure: "no target for \(subscriber) on this replica") }
        }
        let outcomes: [EventDeliveryOutcome]
        do {
            outcomes = deliveries.count == 1 ? [try await target.deliver(deliveries[0].event)]
                : try await target.deliver(batch: deliveries.map(\.event))
        } catch {
            return deliveries.map { settle($0, failure: "\(error)") }
        }
        guard outcomes.count == deliveries.count else {
            return deliveries.map { settle($0, failure: "\(subscriber) answered \(outcomes.count) outcomes for \(deliveries.count) events") }
        }
        return zip(deliveries, outcomes).map { delivery, outcome in
            switch outcome {
            case .acknowledged:
                return .delivered
            case .rejected(let message):
                logger.info("delivery rejected; dead-lettered", metadata: metadata(delivery))
                return .dead(error: "rejected: " + (message.isEmpty ? "no reason given" : message))
            case .retryLater(let message):
                return settle(delivery, failure: message.isEmpty ? "the target asked to retry later" : message)
            }
        }
    }

    /// A failed attempt: retried on the schedule, or dead-lettered after the last.
    private func settle(_ delivery: ClaimedDelivery, failure: String) -> DeliveryResult {
        guard let delay = configuration.retries.delay(afterAttempt: delivery.attempt) else {
            logger.warning("delivery failed on its last attempt; dead-lettered", metadata: metadata(delivery))
            return .dead(error: failure)
        }
        logger.debug("delivery failed; retrying", metadata: metadata(delivery).merging(["delay": "\(delay)"]) { $1 })
        return .retry(delay: delay, error: failure)
    }

    private func metadata(_ delivery: ClaimedDelivery) -> Logger.Metadata {
        ["event": "\(delivery.event.id)", "subscriber": "\(delivery.subscriber)", "attempt": "\(delivery.attempt)"]
    }
}

/// A subscriber's target as one batch found it (nil: none on this replica).
private struct BatchTarget: Sendable {
    let target: (any DeliveryTarget)?
    init(_ target: (any DeliveryTarget)?) { self.target = target }
}
