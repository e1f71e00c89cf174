/// The route groups the server serves. A new group is one line here (and its file and spec).
enum ServerRoutes {
    static func groups(_ dependencies: ServerDependencies) -> [any RouteGroup] {
        [
            HealthRoutes(readiness: dependencies.readiness),
            MetricsRoutes(registry: dependencies.metrics),
            PluginRoutes(catalog: dependencies.catalog),
        ]
    }
}
