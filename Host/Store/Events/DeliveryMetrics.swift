import CoreMetrics
import MarketCore

/// The bus's metrics, recorded through the process's metrics factory (the executable chooses
/// the backend; `market serve` exposes them on `/metrics`):
/// - `market_deliveries_total{outcome}`: attempts by outcome (`delivered`, `retry`, `dead`, and
///   `held`: not attempted while the subscriber's connection needs reconnecting);
/// - `market_delivery_duration_seconds`: how long one attempt took, target included;
/// - `market_deliveries_pending`: pending delivery rows in the outbox, all replicas together;
/// - `market_target_deliveries_total{outcome}`: attempts at delivery targets (webhook endpoints)
///   by the target plugin's verdict (`delivered`, `retry`, `failed`, `disable_target`);
/// - `market_targets_disabled_total`: targets disabled, by a verdict or by their breaker.
///
/// Every series is made at start, so each reads 0 before anything happened.
struct DeliveryMetrics: Sendable {
    private let delivered: Counter
    private let retried: Counter
    private let dead: Counter
    private let held: Counter
    private let duration: Timer
    private let pending: Gauge
    private let targetVerdicts: [TargetOutcome.Verdict: Counter]
    private let disabled: Counter

    init(factory: any MetricsFactory) {
        func outcome(_ name: String) -> Counter {
            Counter(label: "market_deliveries_total", dimensions: [("outcome", name)], factory: factory)
        }
        delivered = outcome("delivered")
        retried = outcome("retry")
        dead = outcome("dead")
        held = outcome("held")
        duration = Timer(label: "market_delivery_duration_seconds", dimensions: [], preferredDisplayUnit: .seconds, factory: factory)
        pending = Gauge(label: "market_deliveries_pending", dimensions: [], factory: factory)
        let verdicts: [TargetOutcome.Verdict] = [.delivered, .retry, .failed, .disableTarget]
        targetVerdicts = Dictionary(uniqueKeysWithValues: verdicts.map { verdict in
            (verdict, Counter(label: "market_target_deliveries_total", dimensions: [("outcome", verdict.rawValue)], factory: factory))
        })
        disabled = Counter(label: "market_targets_disabled_total", dimensions: [], factory: factory)
    }

    /// One attempt at a delivery target, by the plugin's verdict.
    func recordTarget(_ verdict: TargetOutcome.Verdict) {
        targetVerdicts[verdict]?.increment()
    }

    func recordDisabled(_ count: Int) {
        if count > 0 { disabled.increment(by: count) }
    }

    func record(_ result: DeliveryResult, after elapsed: Duration) {
        switch result {
        case .delivered: delivered.increment()
        case .retry: retried.increment()
        case .dead: dead.increment()
        case .held: held.increment()
        }
        duration.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    /// A row dead-lettered at claim: counted as dead, with no attempt to time.
    func recordExhausted() {
        dead.increment()
    }

    func recordPending(_ count: Int) {
        pending.record(count)
    }
}
