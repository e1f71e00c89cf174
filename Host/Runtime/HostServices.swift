import MarketCore
import MarketHTTP
import CoreMetrics
import Logging

/// What the host offers plugins: the backends behind `market.log/1`, `market.kv/1`,
/// `market.events/1`, `market.metrics/1`, `market.documents/1`, `market.connections/1` and the
/// limits of `market.http/1`.
public struct HostServices: Sendable {
    public var logger: Logger
    public var keyValue: any KeyValueStore
    public var events: any EventPublisher
    /// Where plugins' own metrics (`market.metrics/1`) and the host's metrics of calls into them
    /// (`PluginCallMetrics`) go: the process's factory unless a test gives its own.
    public var metrics: any MetricsFactory
    public var http: HTTPLimits
    /// Behind `market.documents/1`; nil (a host without PostgreSQL) offers no such service.
    public var documents: (any DocumentStore)?
    /// Behind `market.connections/1`; nil (a host without PostgreSQL) offers no such service.
    public var connections: (any ConnectionCredentials)?
    /// Behind `market.cluster/1`: the replicas `market serve`'s heartbeat counts; 1 elsewhere.
    public var replicas: LiveReplicas

    public init(logger: Logger, keyValue: any KeyValueStore = InMemoryKeyValueStore(),
                events: any EventPublisher = InMemoryEventLog(), metrics: any MetricsFactory = MetricsSystem.factory,
                http: HTTPLimits = HTTPLimits(), documents: (any DocumentStore)? = nil,
                connections: (any ConnectionCredentials)? = nil, replicas: LiveReplicas = LiveReplicas()) {
        self.logger = logger
        self.replicas = replicas
        self.keyValue = keyValue
        self.documents = documents
        self.connections = connections
        self.events = events
        self.metrics = metrics
        self.http = http
    }
}

/// Defaults and ceilings for `market.http/1` requests.
public struct HTTPLimits: Sendable {
    public var defaultTimeoutMilliseconds: UInt32 = 30_000
    public var maximumTimeoutMilliseconds: UInt32 = 300_000
    public var defaultMaximumResponseBytes: UInt64 = 8 << 20
    public var maximumResponseBytes: UInt64 = 64 << 20
    /// The guarded address ranges (loopback, private, link-local, …) a request may still reach
    /// when only a wildcard grant (`*`, `*.example.com`) allowed its host: none unless the
    /// operator says so (`market serve --allow-network`). Named hosts are not checked.
    public var allowedRanges: Set<AddressRange> = []

    public init(allowedRanges: Set<AddressRange> = []) {
        self.allowedRanges = allowedRanges
    }
}
