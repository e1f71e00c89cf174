import MarketCore
import MarketStore
import PluginRuntime

/// The event types endpoint owners can subscribe to: the host's own (`HostEventTypes`) and
/// those every plugin loaded here declares in its manifest's `event_types`.
public struct EventTypeCatalog: Sendable {
    /// One type, with who publishes it.
    public struct Entry: Sendable, Equatable {
        public let type: String
        public let description: String
        /// A JSON Schema of the event's `data`.
        public let schema: JSONValue
        /// `host`, or the id of the plugin that declares it.
        public let source: String

        public var json: JSONValue {
            .object(["type": .string(type), "description": .string(description), "schema": schema, "source": .string(source)])
        }
    }

    let host: PluginHost

    public init(host: PluginHost) {
        self.host = host
    }

    /// Every type, sorted; with `tenant`, only the plugins the tenant has enabled add theirs.
    public func entries(tenant: String? = nil, by principal: Principal = .system) async throws -> [Entry] {
        var entries = HostEventTypes.all.map { Entry(type: $0.key, description: $0.value.description, schema: $0.value.schema, source: "host") }
        var enabled: Set<String>?
        if let tenant {
            let installations = try await host.tenants?.installations(tenant: tenant, by: principal) ?? []
            enabled = Set(installations.filter(\.enabled).map(\.pluginID))
        }
        let loaded = try await BlockingWork.run { host.plugins().libraries }
        for library in loaded where enabled?.contains(library.id) ?? true {
            for (type, declared) in library.library.manifest.eventTypes {
                entries.append(Entry(type: type, description: declared.description, schema: declared.schema, source: library.id))
            }
        }
        return entries.sorted { ($0.type, $0.source) < ($1.type, $1.source) }
    }
}
