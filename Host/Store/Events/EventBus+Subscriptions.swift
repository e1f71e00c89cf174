import MarketCore

extension EventBus {
    /// Subscribes an installation to event types: from now on, every event of its tenant whose
    /// type matches one of `patterns` gets a delivery row for it while the installation is
    /// enabled. Patterns already there stay; subscribing twice changes nothing.
    /// - Throws: `SUBSCRIPTION_INVALID` for a bad pattern or a plugin the tenant has not installed.
    public func subscribe(_ subscriber: Subscriber, to patterns: [String]) async throws {
        let checked = try Self.checkedPatterns(patterns)
        do {
            try await pool.transaction { connection in
                for pattern in checked {
                    _ = try connection.prepared("INSERT INTO event_subscriptions (tenant_id, plugin_id, pattern) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                                                [subscriber.tenantID, subscriber.pluginID, pattern])
                }
            }
        } catch let error as MarketError where error.sqlState == "23503" {
            throw MarketError(.subscriptionInvalid, "\(subscriber) is not installed, so it cannot subscribe to events",
                              fix: "install the plugin for the tenant first (a row in plugin_installations)", underlying: error)
        }
    }

    /// Makes `patterns` the installation's whole subscription (what enabling a plugin with the
    /// manifest's `permissions.events.subscribe` does), in one transaction.
    public func replaceSubscriptions(of subscriber: Subscriber, with patterns: [String]) async throws {
        let checked = try Self.checkedPatterns(patterns)
        try await pool.transaction { connection in
            _ = try connection.query("DELETE FROM event_subscriptions WHERE tenant_id = $1 AND plugin_id = $2", subscriber.tenantID, subscriber.pluginID)
        }
        if !checked.isEmpty { try await subscribe(subscriber, to: checked) }
    }

    /// Removes patterns from an installation's subscription, or all of them when `patterns` is nil.
    /// Deliveries already made stay.
    public func unsubscribe(_ subscriber: Subscriber, from patterns: [String]? = nil) async throws {
        let tenant = subscriber.tenantID, plugin = subscriber.pluginID
        try await pool.transaction { connection in
            if let patterns {
                for pattern in patterns {
                    _ = try connection.query("DELETE FROM event_subscriptions WHERE tenant_id = $1 AND plugin_id = $2 AND pattern = $3", tenant, plugin, pattern)
                }
            } else {
                _ = try connection.query("DELETE FROM event_subscriptions WHERE tenant_id = $1 AND plugin_id = $2", tenant, plugin)
            }
        }
    }

    /// The subscriptions of a tenant's installations, by subscriber, patterns sorted.
    public func subscriptions(tenantID: String) async throws -> [Subscriber: [String]] {
        let rows = try await pool.query("SELECT plugin_id, pattern FROM event_subscriptions WHERE tenant_id = $1 ORDER BY plugin_id, pattern", [tenantID])
        var found: [Subscriber: [String]] = [:]
        for row in rows {
            found[Subscriber(tenantID: tenantID, pluginID: try row.decode("plugin_id")), default: []].append(try row.decode("pattern"))
        }
        return found
    }

    private static func checkedPatterns(_ patterns: [String]) throws -> [String] {
        for pattern in patterns where EventTypePattern(pattern) == nil {
            throw MarketError(.subscriptionInvalid, "'\(pattern)' is not an event type pattern",
                              fix: "use an exact type (lead.created), a prefix (lead.*) or * for every event")
        }
        return Array(Set(patterns)).sorted()
    }
}
