import Foundation

/// `plugin.json`: everything the host needs to know about a plugin without running its code.
/// The JSON Schema is docs/plugin-manifest.schema.json; `docs/plugin-manifest.md` explains
/// each field.
public struct PluginManifest: Codable, Sendable, Equatable {
    /// What a plugin offers; each kind matches one capability of the ABI.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case tools, model, events, ingress
        /// `market.targets/1` (ABI 1.1): events delivered to destinations the host stores.
        case targets
    }

    public enum Language: String, Codable, Sendable, CaseIterable {
        case c, cpp, swift, rust, zig
    }

    public struct Permissions: Codable, Sendable, Equatable {
        public struct Events: Codable, Sendable, Equatable {
            /// Type patterns the plugin receives (`lead.*`, `message.received`, `*`).
            public var subscribe: [String]
            /// Event types the plugin may publish.
            public var emit: [String]

            public init(subscribe: [String] = [], emit: [String] = []) {
                self.subscribe = subscribe
                self.emit = emit
            }

            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                subscribe = try container.decodeIfPresent([String].self, forKey: .subscribe) ?? []
                emit = try container.decodeIfPresent([String].self, forKey: .emit) ?? []
            }
        }

        /// Hosts `market.http/1` may reach: `api.example.com`, `*.example.com`, `127.0.0.1:8080`.
        public var network: [String]
        /// Names of the secrets `market.secrets/1` may read.
        public var secrets: [String]
        public var events: Events
        /// Whether the plugin handles inbound HTTP hooks.
        public var ingress: Bool
        /// Programs `market.process/1` may start: names looked up on PATH, or absolute paths.
        public var processes: [String]

        public init(network: [String] = [], secrets: [String] = [], events: Events = Events(), ingress: Bool = false,
                    processes: [String] = []) {
            self.network = network
            self.secrets = secrets
            self.events = events
            self.ingress = ingress
            self.processes = processes
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            network = try container.decodeIfPresent([String].self, forKey: .network) ?? []
            secrets = try container.decodeIfPresent([String].self, forKey: .secrets) ?? []
            events = try container.decodeIfPresent(Events.self, forKey: .events) ?? Events()
            ingress = try container.decodeIfPresent(Bool.self, forKey: .ingress) ?? false
            processes = try container.decodeIfPresent([String].self, forKey: .processes) ?? []
        }
    }

    /// A short listing of a tool, for catalogs; the plugin's own list is authoritative.
    public struct ToolSummary: Codable, Sendable, Equatable {
        public var name: String
        public var description: String
    }

    public var id: String
    public var version: String
    public var name: String
    public var summary: String
    public var publisher: String
    public var license: String
    public var kinds: [Kind]
    public var language: Language
    /// The ABI versions the plugin works with, as a range: `^1.0`.
    public var abi: String
    /// The shared library, relative to the folder holding plugin.json.
    public var library: String
    /// For Swift plugins: the toolchain that built the library, `swift-6.3.1`.
    public var toolchain: String?
    public var permissions: Permissions
    /// A JSON Schema (object) for the instance's configuration.
    public var config: JSONValue?
    public var tools: [ToolSummary]
    /// Other plugins this one needs installed, by id, each with a version range (`^1.2`).
    public var dependencies: [String: String]
    /// The event types the plugin emits, each described with a JSON Schema of its `data`: the
    /// catalogue endpoint owners subscribe from (`market webhooks event-types`). Every key is
    /// one of `permissions.events.emit`.
    public var eventTypes: [String: EventTypeDeclaration]
    /// How a tenant connects the plugin's service by signing in (docs/connections.md); nil
    /// when it takes an API key or a token, or no credentials at all.
    public var oauth2: OAuth2Declaration?

    /// One event type a plugin emits.
    public struct EventTypeDeclaration: Codable, Sendable, Equatable {
        public var description: String
        /// A JSON Schema (object) of the event's `data`.
        public var schema: JSONValue

        public init(description: String, schema: JSONValue) {
            self.description = description
            self.schema = schema
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, version, name, summary, publisher, license, kinds, language, abi, library, toolchain, permissions, config, tools, dependencies
        case eventTypes = "event_types"
        case oauth2
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        version = try container.decode(String.self, forKey: .version)
        name = try container.decode(String.self, forKey: .name)
        summary = try container.decode(String.self, forKey: .summary)
        publisher = try container.decode(String.self, forKey: .publisher)
        license = try container.decode(String.self, forKey: .license)
        kinds = try container.decode([Kind].self, forKey: .kinds)
        language = try container.decode(Language.self, forKey: .language)
        abi = try container.decode(String.self, forKey: .abi)
        library = try container.decode(String.self, forKey: .library)
        toolchain = try container.decodeIfPresent(String.self, forKey: .toolchain)
        permissions = try container.decodeIfPresent(Permissions.self, forKey: .permissions) ?? Permissions()
        config = try container.decodeIfPresent(JSONValue.self, forKey: .config)
        tools = try container.decodeIfPresent([ToolSummary].self, forKey: .tools) ?? []
        dependencies = try container.decodeIfPresent([String: String].self, forKey: .dependencies) ?? [:]
        eventTypes = try container.decodeIfPresent([String: EventTypeDeclaration].self, forKey: .eventTypes) ?? [:]
        oauth2 = try container.decodeIfPresent(OAuth2Declaration.self, forKey: .oauth2)
    }

    /// The names of the top-level fields, as the schema in docs/ must list them.
    public static var fieldNames: [String] { CodingKeys.allCases.map(\.rawValue) }
}
