import Foundation
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Bounds a graceful stop of `market serve`: once SIGTERM or SIGINT starts it, the process
/// has `limit` (its `--delivery-timeout`) to finish. Work that cannot be cut short — a plugin
/// stuck in a call, which nothing can interrupt in process — would otherwise hold it forever;
/// at the deadline the process logs what it left and exits with status 1. What it held is
/// safe: claimed deliveries and Telegram updates are leases, taken again once they lapse.
///
/// A `Service` listed last in the group, so it is the first told of the shutdown.
final class ShutdownDeadline: Service, Sendable {
    let limit: Duration
    let logger: Logger
    /// Names the services still running when the deadline passes.
    let services = ServiceWatch()
    private let finished = Atomic<Bool>(false)

    init(limit: Duration, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    func run() async throws {
        // Returns when the graceful shutdown starts (or the group is cancelled).
        try? await gracefulShutdown()
        let deadline = ContinuousClock.now + limit
        // A thread of its own: the cooperative pool may be what is stuck.
        Thread.detachNewThread { [self] in
            while ContinuousClock.now < deadline, !finished.load(ordering: .acquiring) {
                Thread.sleep(forTimeInterval: 0.05)
            }
            guard !finished.load(ordering: .acquiring) else { return }
            logger.error("the stop did not finish within --delivery-timeout; exiting with work in flight (its leases will lapse and it is retried)",
                         metadata: ["limit_seconds": "\(limit.components.seconds)",
                                    // The group stops services last to first: the last one running holds the stop.
                                    "waiting_for": .string(services.stillRunning.last ?? "nothing"),
                                    "still_running": .array(services.stillRunning.map { .string($0) })])
            ForeignExitGuard.disarm()
            exit(1)
        }
    }

    /// Call when the stop has finished: the deadline no longer applies.
    func disarm() {
        finished.store(true, ordering: .releasing)
    }
}
