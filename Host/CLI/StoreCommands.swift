import ArgumentParser

/// The store and tenant commands (`market db`, `tenant`, `enable`, …), listed by `MarketCommand`.
let storeCommands: [any ParsableCommand.Type] = [DatabaseCommand.self, EventsCommand.self, DeliveriesCommand.self]
    + [TenantCommand.self, EnableCommand.self, DisableCommand.self, ConfigCommand.self, SecretCommand.self, ConnectionsCommand.self, AuditCommand.self]
    + [WebhooksCommand.self, HooksCommand.self, ServeCommand.self]
