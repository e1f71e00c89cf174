import CoreMetrics
import MarketCore
import Metrics

/// The host's metrics of calls into plugins, recorded through the instance's `HostServices.metrics`
/// (the process's factory in `market serve`; docs/operations.md, "Metrics"):
/// - `market_plugin_calls_total{plugin,kind,outcome}`: calls by plugin, kind and outcome;
/// - `market_plugin_call_duration_seconds{plugin,kind}`: how long each took, waiting for a
///   serial instance included.
///
/// Labels stay bounded: plugin ids are installed plugins, kinds and outcomes are the cases below.
enum PluginCallMetrics {
    static let callsLabel = "market_plugin_calls_total"
    static let durationLabel = "market_plugin_call_duration_seconds"

    /// Which capability a call went to.
    enum Kind: String {
        case tool, model, event, target, ingress
    }

    /// How a call ended: `ok`; `rejected` (the plugin refused the work for good: an event it
    /// rejects, a target's `failed` or `disable_target`); `error` (the plugin failed, answered
    /// something unusable, or asked for a retry); `timeout`; `cancelled`; `refused` (the host did
    /// not enter the plugin: bad arguments, a closed instance, a missing capability).
    enum Outcome: String, Comparable {
        case ok, rejected, error, timeout, cancelled, refused

        /// A batch's worst: an error outweighs a rejection, which outweighs success.
        static func < (left: Self, right: Self) -> Bool { left.rank < right.rank }
        private var rank: Int { [.ok: 0, .rejected: 1, .error: 2][self] ?? 3 }

        init(_ error: any Error) {
            guard let error = error as? MarketError else {
                self = .error
                return
            }
            switch error.code {
            case .timeout: self = .timeout
            case .cancelled: self = .cancelled
            case .pluginFailed, .invalidResult, .resultTooLarge, .instanceFailed: self = .error
            default: self = .refused
            }
        }

        init(_ outcome: EventDeliveryOutcome) {
            switch outcome {
            case .acknowledged: self = .ok
            case .retryLater: self = .error
            case .rejected: self = .rejected
            }
        }

        init(_ outcome: TargetOutcome) {
            switch outcome.verdict {
            case .delivered: self = .ok
            case .retry: self = .error
            case .failed, .disableTarget: self = .rejected
            }
        }
    }
}

extension PluginInstance {
    /// Runs `work`, one call into the plugin of `kind`, on the instance's executor, and counts
    /// and times it; `outcome` reads a returned value that can still be a failure (an event's or
    /// a target's verdict).
    func call<Value: Sendable>(_ kind: PluginCallMetrics.Kind, token: CallToken, what: @autoclosure () -> String,
                               outcome: (Value) -> PluginCallMetrics.Outcome = { _ in .ok },
                               _ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        let start = ContinuousClock.now
        do {
            let value = try await executor.run(token: token, what: what(), work)
            record(kind, outcome(value), since: start)
            return value
        } catch {
            record(kind, PluginCallMetrics.Outcome(error), since: start)
            throw error
        }
    }

    private func record(_ kind: PluginCallMetrics.Kind, _ outcome: PluginCallMetrics.Outcome, since start: ContinuousClock.Instant) {
        let factory = context.services.metrics
        Counter(label: PluginCallMetrics.callsLabel,
                dimensions: [("plugin", pluginID), ("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: factory).increment()
        Timer(label: PluginCallMetrics.durationLabel, dimensions: [("plugin", pluginID), ("kind", kind.rawValue)], factory: factory)
            .record(duration: ContinuousClock.now - start)
    }
}
