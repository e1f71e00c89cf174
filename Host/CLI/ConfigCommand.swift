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
            shows the stored config.

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
            let (installation, secretFields) = try await options.withStore { store, principal in
                let fields = try store.configSchema(for: plugin).secretFields
                if settings.isEmpty {
                    guard let installation = try await store.installation(plugin, tenant: tenant, by: principal) else {
                        throw MarketError(.pluginNotFound, "tenant \(tenant) has not enabled or configured \(plugin)",
                                          fix: "configure it with `market config \(plugin) --tenant \(tenant) name=value…`")
                    }
                    return (installation, fields)
                }
                let installation = try await store.configure(plugin, tenant: tenant, with: Self.patch(settings),
                                                             mode: replace ? .replace : .merge, by: principal)
                return (installation, fields)
            }
            let shown = Self.masked(installation, secretFields: secretFields)
            if options.json {
                try options.printJSON(encoding: ConfigOutput(plugin: plugin, tenant: tenant, enabled: installation.enabled,
                                                             config: shown, secrets: installation.secretNames))
            } else {
                print("\(plugin) for tenant \(tenant) (\(installation.enabled ? "enabled" : "disabled")):")
                printJSON(shown.jsonText)
                if !installation.secretNames.isEmpty { print("secrets stored: \(installation.secretNames.joined(separator: ", "))") }
            }
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
    let config: JSONValue
    let secrets: [String]
}
