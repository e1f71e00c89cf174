import ArgumentParser

/// `market webhooks …`: a tenant's webhook endpoints and their deliveries (docs/webhooks.md).
struct WebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Manage a tenant's webhook endpoints, list the event types, and inspect, resend and recover deliveries.",
        discussion: """
            Endpoints are targets of the plugin webhooks (install and enable it for the tenant first): it signs and \
            posts each event per Standard Webhooks; `market serve` stores, retries, pauses and logs the deliveries. \
            A delivery is named ENDPOINT:MESSAGE (tgt_…:evt_…). See docs/webhooks.md.
            """,
        subcommands: [WebhookEndpointsCommand.self, WebhookEventTypesCommand.self, WebhookAttemptsCommand.self,
                      WebhookResendCommand.self, WebhookRecoverCommand.self]
    )
}

/// `market webhooks endpoints …`.
struct WebhookEndpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoints",
        abstract: "Add, list, update and remove a tenant's webhook endpoints, and rotate their secrets.",
        subcommands: [WebhookEndpointAddCommand.self, WebhookEndpointListCommand.self, WebhookEndpointUpdateCommand.self,
                      WebhookEndpointRemoveCommand.self, WebhookEndpointRotateCommand.self]
    )
}
