import Foundation
import MarketCore
import MarketStore

/// A tenant's webhook endpoints: the targets of the plugin `webhooks` (docs/webhooks.md), as
/// the CLI (`market webhooks …`) and the API (`/v1/tenants/{t}/webhooks/…`) manage them. The
/// plugin signs and sends; the host stores, retries, pauses and logs (market.targets/1).
/// Errors carry the webhook codes (`WEBHOOK_ENDPOINT_NOT_FOUND`, `WEBHOOKS_NOT_INSTALLED`, …).
public struct WebhookEndpoints: Sendable {
    /// The plugin whose targets the endpoints are.
    public static let plugin = "webhooks"

    let host: PluginHost
    let targets: EventTargets

    public init(host: PluginHost, targets: EventTargets) {
        self.host = host
        self.targets = targets
    }

    /// What a new endpoint is.
    public struct Endpoint: Sendable {
        public var url: String
        public var description: String
        public var types: [String]
        public var ratePerSecond: Int?
        public var headers: [String: String]
        public var ordered: Bool
        public var asymmetric: Bool

        public init(url: String, description: String = "", types: [String] = ["*"], ratePerSecond: Int? = nil, headers: [String: String] = [:],
                    ordered: Bool = false, asymmetric: Bool = false) {
            self.url = url
            self.description = description
            self.types = types
            self.ratePerSecond = ratePerSecond
            self.headers = headers
            self.ordered = ordered
            self.asymmetric = asymmetric
        }

        var settings: JSONValue {
            .object(["url": .string(url), "headers": .object(headers.mapValues(JSONValue.string)), "asymmetric": .bool(asymmetric)])
        }
    }

    /// A change to an endpoint; nil fields stay.
    public struct Update: Sendable {
        public var url: String?
        public var headers: [String: String]?
        public var asymmetric: Bool?
        public var target: EventTargets.Change

        public init(url: String? = nil, headers: [String: String]? = nil, asymmetric: Bool? = nil, target: EventTargets.Change = EventTargets.Change()) {
            self.url = url
            self.headers = headers
            self.asymmetric = asymmetric
            self.target = target
        }
    }

    /// Adds an endpoint; the plugin makes its secret.
    /// - Returns: the endpoint and its secrets, to show once.
    public func add(_ endpoint: Endpoint, tenant: String, by principal: Principal) async throws -> (endpoint: EventTarget, secrets: JSONValue) {
        try await mapped {
            let created = try await host.createTarget(EventTargets.Draft(tenantID: tenant, pluginID: Self.plugin, description: endpoint.description, patterns: endpoint.types,
                                                           ratePerSecond: endpoint.ratePerSecond, ordered: endpoint.ordered),
                                        settings: endpoint.settings, in: targets, by: principal)
            return (created.target, created.secrets)
        }
    }

    public func list(tenant: String, by principal: Principal) async throws -> [EventTarget] {
        try await mapped { try await targets.targets(tenant: tenant, plugin: Self.plugin, by: principal) }
    }

    public func get(_ id: String, tenant: String, by principal: Principal) async throws -> EventTarget {
        try await mapped { try await endpoint(id, tenant: tenant, by: principal) }
    }

    public func update(_ id: String, tenant: String, _ update: Update, by principal: Principal) async throws -> EventTarget {
        try await mapped {
            let current = try await endpoint(id, tenant: tenant, by: principal)
            var settings: JSONValue?
            if update.url != nil || update.headers != nil || update.asymmetric != nil, case .object(var fields) = current.settings {
                if let url = update.url { fields["url"] = .string(url) }
                if let headers = update.headers { fields["headers"] = .object(headers.mapValues(JSONValue.string)) }
                if let asymmetric = update.asymmetric { fields["asymmetric"] = .bool(asymmetric) }
                settings = .object(fields)
            }
            return try await host.updateTarget(id, tenant: tenant, change: update.target, settings: settings, in: targets, by: principal)
        }
    }

    public func remove(_ id: String, tenant: String, by principal: Principal) async throws {
        try await mapped {
            _ = try await endpoint(id, tenant: tenant, by: principal)
            try await targets.remove(id, tenant: tenant, by: principal)
        }
    }

    /// A new secret; the old one keeps signing beside it for `overlap`.
    public func rotateSecret(_ id: String, tenant: String, overlap: Duration, by principal: Principal) async throws -> (endpoint: EventTarget, secrets: JSONValue) {
        try await mapped {
            _ = try await endpoint(id, tenant: tenant, by: principal)
            let rotated = try await host.rotateTargetSecret(id, tenant: tenant, overlap: overlap, in: targets, by: principal)
            return (rotated.target, rotated.secrets)
        }
    }

    /// The attempts of a message (an event id: to every endpoint) or of a delivery
    /// (`ENDPOINT:EVENT`: to one endpoint), oldest first.
    public func attempts(_ reference: String, tenant: String, by principal: Principal) async throws -> [DeliveryAttempt] {
        try await mapped {
            let (endpoint, event) = Self.split(reference)
            if let endpoint { _ = try await self.endpoint(endpoint, tenant: tenant, by: principal) }
            return try await targets.attempts(tenant: tenant, event: event, target: endpoint, by: principal)
        }
    }

    /// Sends one delivery (`ENDPOINT:EVENT`) again, whatever became of it.
    public func resend(_ delivery: String, tenant: String, by principal: Principal) async throws {
        try await mapped {
            guard case (let endpoint?, let event) = Self.split(delivery) else {
                throw MarketError(.webhookDeliveryInvalid, "'\(delivery.prefix(200))' does not name a delivery",
                                  fix: "write ENDPOINT:MESSAGE, such as tgt_…:evt_…, as `market webhooks attempts` prints it")
            }
            _ = try await self.endpoint(endpoint, tenant: tenant, by: principal)
            try await targets.resend(target: endpoint, event: event, tenant: tenant, by: principal)
        }
    }

    /// Sends again every failed message of an endpoint since `since`.
    public func recover(_ id: String, since: Date, tenant: String, by principal: Principal) async throws -> Int {
        try await mapped {
            _ = try await endpoint(id, tenant: tenant, by: principal)
            return try await targets.recover(target: id, since: since, tenant: tenant, by: principal)
        }
    }

    /// `ENDPOINT:EVENT` as a delivery, or an event id alone.
    static func split(_ reference: String) -> (endpoint: String?, event: String) {
        guard reference.hasPrefix("tgt_"), let colon = reference.firstIndex(of: ":") else { return (nil, reference) }
        return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }

    /// The id of a delivery to an endpoint, as `attempts` and `resend` take it.
    public static func deliveryID(endpoint: String, event: String) -> String { endpoint + ":" + event }

    private func endpoint(_ id: String, tenant: String, by principal: Principal) async throws -> EventTarget {
        let target = try await targets.target(id, tenant: tenant, by: principal)
        guard target.pluginID == Self.plugin else {
            throw MarketError(.targetNotFound, "\(id.prefix(64)) is not a webhook endpoint", fix: "list the endpoints and copy an id")
        }
        return target
    }

    /// Runs `body`, naming the generic target errors as webhook errors.
    private func mapped<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as MarketError where error.code == .targetNotFound {
            throw MarketError(.webhookEndpointNotFound, "there is no webhook endpoint with that id for this tenant",
                              fix: "list the endpoints (market webhooks endpoints list --tenant T) and copy an id", underlying: error)
        } catch let error as MarketError where error.code == .targetPluginUnavailable {
            throw MarketError(.webhooksNotInstalled, "the plugin webhooks is not enabled for this tenant, or not installed on this server",
                              fix: "install and enable it: market install webhooks && market enable webhooks --tenant T", underlying: error)
        } catch let error as MarketError where error.code == .targetInvalid {
            throw MarketError(.webhookEndpointInvalid, error.message, fix: error.fix, underlying: error)
        }
    }
}

extension MarketError.Code {
    /// No webhook endpoint with that id for the tenant.
    public static let webhookEndpointNotFound = Self(rawValue: "WEBHOOK_ENDPOINT_NOT_FOUND")
    /// An endpoint's URL, types, rate or description are bad (the message names which).
    public static let webhookEndpointInvalid = Self(rawValue: "WEBHOOK_ENDPOINT_INVALID")
    /// The plugin `webhooks` is not enabled for the tenant or not installed.
    public static let webhooksNotInstalled = Self(rawValue: "WEBHOOKS_NOT_INSTALLED")
    /// A delivery reference is not `ENDPOINT:MESSAGE`.
    public static let webhookDeliveryInvalid = Self(rawValue: "WEBHOOK_DELIVERY_INVALID")
}
