import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Market's HTTP server: the route groups of `ServerRoutes` behind request ids, access logs,
/// metrics and problem details.
///
/// `makeService` gives a `Service` for a `ServiceGroup`: on graceful shutdown it stops
/// accepting connections and finishes the requests in flight before it returns. Connections
/// are capped and timed as `ServerConfiguration` says (`GuardedHTTP1Channel`).
public struct MarketServer: Sendable {
    public let configuration: ServerConfiguration
    public let dependencies: ServerDependencies
    /// Every method and path the server serves (not the 405 answers for the others).
    public let routes: [Route]
    /// The routes that answer only with a bearer token (the others are public).
    public let authenticatedRoutes: [Route]
    private let router: RouterResponder<MarketRequestContext>
    private let logger: Logger

    public init(configuration: ServerConfiguration, dependencies: ServerDependencies, logger: Logger) {
        self.configuration = configuration
        self.dependencies = dependencies
        self.logger = logger
        let registrar = RouteRegistrar()
        for group in ServerRoutes.groups(dependencies) { group.register(on: registrar) }
        routes = registrar.routes
        authenticatedRoutes = registrar.authenticatedRoutes
        let router = Router(context: MarketRequestContext.self)
        // Outermost first. Router middleware also wraps the router's not-found answer.
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: RequestMetricsMiddleware(factory: Self.metricsFactory(dependencies.metrics)))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(table: RouteTable(routes)))
        registrar.install(on: router, authentication: AuthenticationMiddleware(tenants: dependencies.tenants))
        self.router = router.buildResponder()
    }

    /// The HTTP server as a service. `onListening` receives the bound port once it accepts
    /// connections (useful with port 0).
    public func makeService(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let logger = logger
        let configuration = configuration
        let registry = ConnectionRegistry(maximum: configuration.effectiveMaximumConnections)
        return Application(
            responder: router,
            server: HTTPServerBuilder { responder in
                GuardedHTTP1Channel(responder: responder, registry: registry, timeouts: configuration.timeouts)
            },
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                logger.info("listening", metadata: ["host": .string(configuration.host), "port": .stringConvertible(port),
                                                    "max_connections": .stringConvertible(registry.maximum)])
                await onListening(port)
            },
            logger: logger
        )
    }

    /// Request durations are short: buckets from half a millisecond to ten seconds.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[RequestMetricsMiddleware.durationLabel] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10),
        ]
        return factory
    }
}
