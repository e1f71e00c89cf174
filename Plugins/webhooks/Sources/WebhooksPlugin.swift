import Foundation
import PluginKit

/// Standard Webhooks for Market: delivers events to a tenant's endpoints (`market.targets/1`,
/// the host stores each endpoint as a target and keeps its queue) and turns verified inbound
/// hooks into events (`market.ingress/1`). See docs/webhooks-signing.md and docs/webhooks-inbound.md.
final class WebhooksPlugin: TargetPlugin, IngressPlugin {
    static let id = "webhooks"
    static let version = "1.0.0"
    // Calls share only the immutable configuration and the endpoint cache, which locks.
    static let concurrency = PluginConcurrency.concurrent

    let host: PluginHost
    let inbound: InboundConfig
    let endpoints = EndpointCache()

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
        inbound = try InboundConfig(config)
    }

    func prepareTarget(request: TargetRequest, context: CallContext) throws -> PreparedTarget {
        try EndpointPreparation(request).prepared()
    }

    func deliver(event: Event, target: TargetDelivery, context: CallContext) throws -> DeliveryOutcome {
        try Delivery(event: event, target: target, endpoints: endpoints).send(through: host, context: context)
    }

    func handle(request: HTTPRequest, context: CallContext) throws -> HTTPResponse {
        InboundHook(config: inbound, host: host).handle(request)
    }
}

@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(WebhooksPlugin.self, hostABI: abi) }
