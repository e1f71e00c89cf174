import MarketStore

/// The route groups the server serves. A new group is one line here (and its file and spec).
enum ServerRoutes {
    static func groups(_ dependencies: ServerDependencies) -> [any RouteGroup] {
        [
            HealthRoutes(readiness: dependencies.readiness),
            MetricsRoutes(registry: dependencies.metrics),
            PluginRoutes(catalog: dependencies.catalog),
            TenantRoutes(tenants: dependencies.tenants),
            TokenRoutes(tenants: dependencies.tenants),
            AdminPluginRoutes(desired: DesiredPlugins(pool: dependencies.pool)),
            AdminPluginChangeRoutes(desired: DesiredPlugins(pool: dependencies.pool), registries: dependencies.registries),
            InstallationRoutes(tenants: dependencies.tenants),
            SecretRoutes(tenants: dependencies.tenants),
            AuditRoutes(tenants: dependencies.tenants),
            EventRoutes(events: dependencies.events, tenants: dependencies.tenants),
            DeliveryRoutes(events: dependencies.events, tenants: dependencies.tenants),
            WebhookRoutes(endpoints: dependencies.webhooks, catalog: dependencies.eventTypes, tenants: dependencies.tenants),
            HookRoutes(hooks: dependencies.hooks, tenants: dependencies.tenants),
            ConnectionRoutes(connections: dependencies.connections, checks: dependencies.connectionChecks),
            TelegramRoutes(webhook: dependencies.telegram),
            ChatRoutes(chat: dependencies.chat),
            AnalyticsRoutes(analytics: AnalyticsStore(pool: dependencies.pool), tenants: dependencies.tenants),
        ]
    }
}
