import ArgumentParser
import Foundation
import MarketCore
import MarketStore

/// `market config PLUGIN --tenant T [name=value…] [--replace]`
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change a plugin's config for a tenant, validated against the plugin's schema.",
        discussion: """
            Each value is read as JSON when it parses as JSON (42, true, "text", [1,2], {"a":1}), and as a string \
            otherwise; name=null removes a setting. The settings given are merged into the stored config unless \
            --replace is given. Every invalid field is reported, and nothing is stored unless all are valid. Fields \
            the schema marks `format: secret` are stored encrypted and shown masked. Without name=value pairs, \
            shows the stored config, or the schema's defaults and the settings still to set when none is stored.

            Example: market config openai --tenant acme model=gpt-4o-mini temperature=0.2
            """
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Argument(help: ArgumentHelp("Settings to change.", valueName: "name=value"))
    var settings: [String] = []

    @Option(help: "The tenant.")
    var tenant: String

    @Flag(help: "Make the settings given the whole config instead of merging them into the stored one.")
    var replace = false

    @OptionGroup var options: TenantOptions

    func validate() throws {
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw ValidationError("settings are name=value; '\(setting.prefix(40))' has no name before an '='")
            }
        }
        guard !replace || !settings.isEmpty else { throw ValidationError("--replace needs the settings to store") }
    }

    /// The name=value pairs as a JSON object; a value that is not JSON is a string.
    static func patch(_ settings: [String]) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for setting in settings {
            let equals = setting.firstIndex(of: "=")!
            let text = String(setting[setting.index(after: equals)...])
            members[String(setting[..<equals])] = (try? JSONValue(parsing: text)) ?? .string(text)
        }
        return .object(members)
    }

    func run() async throws {
        try await reportingTenantErrors {
            let shown = try await options.withStore { store, principal in
                let schema = try store.configSchema(for: plugin)
                if settings.isEmpty {
                    guard let installation = try await store.installation(plugin, tenant: tenant, by: principal) else {
                        // Nothing stored yet: what the tenant would start from.
                        let defaults = schema.applyingDefaults(to: .object([:]))
                        return Shown(enabled: false, stored: false, config: defaults, secrets: [],
                                     missing: schema.violations(of: defaults).filter(\.isMissing).map(\.path))
                    }
                    return Shown(installation, secretFields: schema.secretFields)
                }
                let installation = try await store.configure(plugin, tenant: tenant, with: Self.patch(settings),
                                                             mode: replace ? .replace : .merge, by: principal)
                return Shown(installation, secretFields: schema.secretFields)
            }
            if options.output.json {
                try options.output.printJSON(encoding: ConfigOutput(plugin: plugin, tenant: tenant, enabled: shown.enabled, stored: shown.stored,
                                                             config: shown.config, secrets: shown.secrets, missing: shown.missing))
            } else {
                let state = shown.stored ? (shown.enabled ? "enabled" : "disabled") : "not configured yet; the defaults"
                print("\(plugin) for tenant \(tenant) (\(state)):")
                printJSON(shown.config.jsonText)
                if !shown.secrets.isEmpty { print("secrets stored: \(shown.secrets.joined(separator: ", "))") }
                if !shown.missing.isEmpty {
                    print("to set before enabling: \(shown.missing.joined(separator: ", ")) (market config \(plugin) --tenant \(tenant) name=value…)")
                }
            }
        }
    }

    /// What `market config` shows of an installation, or of the defaults when none is stored.
    struct Shown: Sendable {
        let enabled: Bool
        let stored: Bool
        let config: JSONValue
        let secrets: [String]
        /// Pointers of required settings with no default that are not set yet.
        let missing: [String]

        init(enabled: Bool, stored: Bool, config: JSONValue, secrets: [String], missing: [String]) {
            self.enabled = enabled
            self.stored = stored
            self.config = config
            self.secrets = secrets
            self.missing = missing
        }

        init(_ installation: Installation, secretFields: Set<String>) {
            self.init(enabled: installation.enabled, stored: true, config: ConfigCommand.masked(installation, secretFields: secretFields),
                      secrets: installation.secretNames, missing: [])
        }
    }

    /// The stored config with each stored secret shown as `********`.
    static func masked(_ installation: Installation, secretFields: Set<String>) -> JSONValue {
        guard case .object(var members) = installation.config else { return installation.config }
        for name in installation.secretNames where secretFields.contains(name) { members[name] = .string("********") }
        return .object(members)
    }
}

/// `--json` output of `market config`.
private struct ConfigOutput: Encodable {
    let plugin: String
    let tenant: String
    let enabled: Bool
    /// False when the tenant has no config stored for the plugin: `config` holds the defaults.
    let stored: Bool
    let config: JSONValue
    let secrets: [String]
    let missing: [String]
}
