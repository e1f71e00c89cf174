import Logging
import MarketStore
import PluginHosting
import Prometheus
import TelegramChannel

/// What the route groups work with. Groups added later (events) take their parts from here, so
/// the server's construction stays in one place.
public struct ServerDependencies: Sendable {
    /// The database; connections open lazily, so a server whose routes never need it never connects.
    public var pool: DatabasePool
    /// The readiness check behind `/readyz`.
    public var readiness: DatabaseReadiness
    /// The loaded plugins behind `/v1/plugins`.
    public var catalog: PluginCatalog
    /// The registry `/metrics` exposes; the server records its HTTP metrics into it.
    public var metrics: PrometheusCollectorRegistry
    /// Tenants, tokens, installations, secrets and the audit log; also authenticates requests.
    public var tenants: TenantStore
    /// The event bus behind `/v1/tenants/{tenant}/events` and `/deliveries`.
    public var events: EventBus
    /// Where `POST /telegram/{bot}` hands Telegram's deliveries; nil refuses them with 503.
    public var telegram: WebhookHandler?
    /// The engine and stores behind the chat API; nil answers its routes with 503.
    public var chat: ChatServices?
    /// The registries the admin API resolves plugin versions from (those of `market serve`'s
    /// state folder); nil refuses installs and updates with `REGISTRY_NOT_CONFIGURED`.
    public var registries: RegistryAccess?
    /// The tenants' webhook endpoints behind `/v1/tenants/{tenant}/webhooks/…`; nil answers
    /// them with `WEBHOOKS_NOT_INSTALLED`.
    public var webhooks: WebhookEndpoints?
    /// Where `/hooks/{hook}/…` hands inbound requests to plugins; nil answers every hook 404.
    public var hooks: InboundHooks?
    /// The event types behind `/v1/tenants/{tenant}/webhooks/event-types`.
    public var eventTypes: EventTypeCatalog?
    /// Tenants' connections behind `/v1/tenants/{tenant}/connections` and `/oauth/callback`;
    /// by default on `tenants`, with token endpoints limited to public addresses.
    public var connections: ConnectionStore
    /// Runs plugins' connection tests behind `POST …/connections/{plugin}/test`; nil (a
    /// server that hosts no plugins) answers 404.
    public var connectionChecks: ConnectionChecks?

    public init(pool: DatabasePool, readiness: DatabaseReadiness, catalog: PluginCatalog, metrics: PrometheusCollectorRegistry,
                tenants: TenantStore,
                events: EventBus) {
        self.pool = pool
        self.readiness = readiness
        self.catalog = catalog
        self.metrics = metrics
        self.tenants = tenants
        self.events = events
        self.connections = ConnectionStore(tenants: tenants, logger: Logger(label: "market.connections"))
    }
}
