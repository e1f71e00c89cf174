import Logging
import MarketCore

extension DeliveryWorker {
    /// Delivers a target row through its subscriber's `market.targets/1` (`subscriber`, as the
    /// batch found it) and judges the outcome.
    func attempt(_ delivery: ClaimedDelivery, to target: ClaimedTarget, through subscriber: (any DeliveryTarget)?) async -> TargetResult {
        let started = ContinuousClock.now
        guard let subscriber else {
            // Not the destination's fault: the plugin is not running here. Retried on the
            // schedule like a subscriber's row, without counting against the target.
            let outcome = TargetOutcome(verdict: .retry, error: "no target for \(delivery.subscriber) on this replica")
            return judge(outcome, attempt: delivery.attempt, blameTarget: false)
        }
        var outcome: TargetOutcome
        do {
            outcome = try await subscriber.deliver(delivery.event, to: target, attempt: delivery.attempt)
        } catch {
            outcome = TargetOutcome(verdict: .retry, error: "\(error)")
        }
        if outcome.durationMilliseconds == nil {
            outcome.durationMilliseconds = (ContinuousClock.now - started).inMilliseconds
        }
        let result = judge(outcome, attempt: delivery.attempt, blameTarget: true)
        metrics.recordTarget(outcome.verdict)
        if case .dead = result.row {
            logger.warning("target delivery dead", metadata: ["event": "\(delivery.event.id)", "target": "\(target.id)", "attempt": "\(delivery.attempt)"])
        }
        return result
    }

    /// The row's fate and the target's from one outcome (docs/webhooks.md, "Retries, pauses
    /// and the circuit breaker"):
    /// - delivered: the row is done and the target's failures are forgotten;
    /// - retry with `retry_after_seconds`: the target pauses that long and the row waits as
    ///   long, the attempt given back (the destination is alive, it asked for time);
    /// - retry: again on the target schedule, dead after its last attempt; counts as a failure;
    /// - failed: dead at once; counts as a failure;
    /// - disable_target: the target is disabled and the row waits for it, the attempt given back.
    func judge(_ outcome: TargetOutcome, attempt: Int, blameTarget: Bool) -> TargetResult {
        let error = outcome.error ?? outcome.status.map { "HTTP \($0)" } ?? outcome.verdict.rawValue
        switch outcome.verdict {
        case .delivered:
            return TargetResult(row: .delivered, outcome: outcome)
        case .retry:
            if let pause = outcome.retryAfterSeconds {
                return TargetResult(row: .retry(delay: Double(pause), error: error), outcome: outcome, refund: true, pause: Double(pause))
            }
            guard let delay = configuration.targets.retries.delay(afterAttempt: attempt) else {
                return TargetResult(row: .dead(error: error), outcome: outcome, failure: blameTarget)
            }
            return TargetResult(row: .retry(delay: delay, error: error), outcome: outcome, failure: blameTarget)
        case .failed:
            return TargetResult(row: .dead(error: error), outcome: outcome, failure: true)
        case .disableTarget:
            let reason = outcome.error ?? outcome.status.map { "the destination answered HTTP \($0)" } ?? "the plugin disabled the target"
            return TargetResult(row: .retry(delay: 0, error: error), outcome: outcome, refund: true, disable: reason)
        }
    }
}
