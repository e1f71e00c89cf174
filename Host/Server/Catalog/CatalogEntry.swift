import MarketCore

/// One installed plugin as the API shows it: what it is, what it offers, how it is configured
/// and what it may do. Read from its manifest, after its library loaded.
public struct CatalogEntry: Encodable, Sendable, Equatable {
    public let id: String
    public let version: String
    public let name: String
    public let summary: String
    public let publisher: String
    public let license: String
    public let language: String
    public let kinds: [String]
    public let tools: [PluginManifest.ToolSummary]
    /// The JSON Schema of an instance's configuration; null when the plugin takes none.
    public let config: JSONValue?
    public let permissions: PluginManifest.Permissions

    public init(manifest: PluginManifest) {
        id = manifest.id
        version = manifest.version
        name = manifest.name
        summary = manifest.summary
        publisher = manifest.publisher
        license = manifest.license
        language = manifest.language.rawValue
        kinds = manifest.kinds.map(\.rawValue)
        tools = manifest.tools
        config = manifest.config
        permissions = manifest.permissions
    }

    enum CodingKeys: String, CodingKey {
        case id, version, name, summary, publisher, license, language, kinds, tools, config, permissions
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(name, forKey: .name)
        try container.encode(summary, forKey: .summary)
        try container.encode(publisher, forKey: .publisher)
        try container.encode(license, forKey: .license)
        try container.encode(language, forKey: .language)
        try container.encode(kinds, forKey: .kinds)
        try container.encode(tools, forKey: .tools)
        // Always present, so clients need not tell "absent" from "none".
        try container.encode(config ?? .null, forKey: .config)
        try container.encode(permissions, forKey: .permissions)
    }
}
