import Logging
import ServiceLifecycle

/// Folds the bot events the `events` trigger queued into the analytics rollups every `interval`,
/// so the rollups lag the events by about that much; a report folds what is still pending
/// itself, so its answer never lags. Every `market serve` replica runs one: rolls take disjoint
/// batches and fold one at a time (docs/decisions.md, "Analytics").
///
/// It polls rather than listening: a NOTIFY would have to be sent by the publishing transaction
/// (the trigger), and PostgreSQL serialises the commits of notifying transactions, which is the
/// wait on the publish path this design removes. A poll of an empty queue is one cheap statement.
public struct AnalyticsRoller: Service {
    public let store: AnalyticsStore
    public let interval: Duration
    let logger: Logger

    public init(store: AnalyticsStore, interval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Rolls until the graceful shutdown or cancellation. A failed roll (the database restarting,
    /// say) is logged and tried again at the next tick: its batch stays pending.
    public func run() async throws {
        await repeatUntilShutdown(every: interval) {
            try await store.rollPending()
        } failed: { error in
            logger.warning("could not fold pending analytics events; trying again", metadata: ["error": "\(error)"])
        }
    }
}
