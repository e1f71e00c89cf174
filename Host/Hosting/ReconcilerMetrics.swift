import CoreMetrics
import Foundation
import MarketStore

/// The reconciler's metrics, per desired plugin, through the process's metrics factory
/// (docs/operations.md, "Metrics"):
/// - `market_plugin_converged{plugin}`: 1 when this node runs the desired version (or has the
///   plugin uninstalled as desired), else 0;
/// - `market_plugin_unconverged_seconds{plugin}`: how long the desired state has been changed
///   without this node converging (0 once it has), updated at each pass;
/// - `market_plugin_rollbacks_total{plugin}`: automatic rollbacks this node made;
/// - `market_plugin_unhealthy_total{plugin}`: verdicts of the health watch (a new version found
///   unhealthy), each followed by a rollback unless the desired state moved on.
///
/// The counters start at 0 when a plugin is first seen in the desired state, so a rate over
/// them has a series to read before anything went wrong.
struct ReconcilerMetrics: Sendable {
    let factory: any MetricsFactory

    func observe(_ plugin: DesiredPlugin, running: String?, failed: Bool, now: Date = Date()) {
        let labels = [("plugin", plugin.pluginID)]
        let converged = !failed && running == plugin.target?.version
        Gauge(label: "market_plugin_converged", dimensions: labels, factory: factory).record(converged ? 1 : 0)
        let waiting = converged ? 0 : max(0, now.timeIntervalSince(plugin.changedAt))
        Gauge(label: "market_plugin_unconverged_seconds", dimensions: labels, factory: factory).record(waiting)
        rollbacks(plugin.pluginID).increment(by: 0)
        unhealthy(plugin.pluginID).increment(by: 0)
    }

    func rollbacks(_ pluginID: String) -> Counter {
        Counter(label: "market_plugin_rollbacks_total", dimensions: [("plugin", pluginID)], factory: factory)
    }

    func unhealthy(_ pluginID: String) -> Counter {
        Counter(label: "market_plugin_unhealthy_total", dimensions: [("plugin", pluginID)], factory: factory)
    }
}
