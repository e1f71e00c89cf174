import Foundation
import PluginKit

/// Forwards a tenant's events to Amplitude's HTTP V2 API (`POST {host}/2/httpapi`); see
/// docs/amplitude.md. An event is acknowledged only once Amplitude accepted the request that
/// carried it, so the host's outbox is the only queue: nothing waits in memory, and a redelivered
/// event keeps its `insert_id` and `time`, which Amplitude deduplicates for seven days.
final class AmplitudePlugin: EventBatchPlugin {
    static let id = "amplitude"
    static let version = "1.0.0"
    // Nothing is shared between calls but the immutable settings.
    static let concurrency = PluginConcurrency.concurrent

    let host: PluginHost
    let settings: AmplitudeSettings
    /// Nil until the secret is set: the instance still starts (so it can be probed, packed and
    /// installed), and its events wait, retried with the fix.
    let apiKey: String?

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        settings = try AmplitudeSettings(config)
        apiKey = (try? host.secret("api_key")).flatMap { $0.isEmpty ? nil : $0 }
    }

    func handle(events: [Event], context: CallContext) throws -> [EventBatchOutcome] {
        guard let apiKey else {
            let tenant = events.first?.tenantID ?? "TENANT"
            return Array(repeating: .retry("the api_key secret is not set: market secret set amplitude api_key --tenant \(tenant) "
                                           + "(the project's API key, from Amplitude's project settings); the events wait until it is"),
                         count: events.count)
        }
        var outcomes = [EventBatchOutcome](repeating: .acknowledged, count: events.count)
        var ready: [AmplitudeEvent] = []
        var positions: [Int] = []
        for (index, event) in events.enumerated() {
            do {
                ready.append(try AmplitudeEvent(event))
                positions.append(index)
            } catch let refusal as AmplitudeEvent.Refusal {
                outcomes[index] = .rejected(refusal.message)
                if refusal.tooLarge {
                    host.log(.warning, "event over 1 MB dropped: Amplitude refuses it", fields: ["event_id": event.id, "bytes": String(refusal.bytes)])
                    try? host.record(.counter, "events_dropped_too_large_total", 1)
                }
            }
        }
        let upload = Upload(host: host, settings: settings, apiKey: apiKey, tenantID: events.first?.tenantID ?? "TENANT", context: context)
        for (position, outcome) in zip(positions, upload.send(ready)) { outcomes[position] = outcome }
        return outcomes
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(AmplitudePlugin.self, hostABI: abi) }
