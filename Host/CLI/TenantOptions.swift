import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting

/// Options shared by the tenant commands (`tenant`, `enable`, `config`, `secret`, `audit`):
/// the database as `market db` selects it, where plugin manifests come from, and `--json`.
struct TenantOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("plugins"),
            help: ArgumentHelp("A folder of plugin folders (DIR/<id>/plugin.json) that wins over the installed plugins; repeatable.",
                               valueName: "dir"))
    var pluginFolders: [String] = []

    @OptionGroup var output: OutputOptions

    /// The plugin folders by the owner's one precedence rule: `--plugins` folders, then the
    /// state directory's installed plugins.
    var pluginFolderSet: PluginFolders {
        PluginFolders(stateDirectory: database.stateDirectory, developmentFolders: pluginFolders.map { URL(fileURLWithPath: $0, isDirectory: true) })
    }

    /// The operator at the command line acts as an admin; the audit log records their user name.
    var principal: Principal { .admin(actor: commandLineActor()) }

    /// Opens the store (refusing a schema that is not current, loading or making the master key, making the admin
    /// token on first start), runs `body`, and closes it. The admin token, when made, is printed
    /// to standard error, once.
    func withStore<Value>(_ body: (TenantStore, Principal) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.tenants")
        return try await database.withCurrentStore(size: 2, logger: logger) { pool, key in
            let store = TenantStore(pool: pool, masterKey: key, manifests: pluginFolderSet, logger: logger)
            if let admin = try await store.ensureAdminToken() { AdminTokenNotice.print(admin) }
            return try await body(store, principal)
        }
    }
}

/// Runs a tenant command's body like `reportingErrors`, printing a `CONFIG_INVALID` error's
/// violations one per line.
func reportingTenantErrors(_ body: () async throws -> Void) async throws {
    try await reportingErrors {
        do {
            try await body()
        } catch let error as MarketError where !error.violations.isEmpty {
            let subject = error.message.components(separatedBy: " is invalid:").first ?? error.message
            var text = "error: \(error.code): \(subject) is invalid:\n"
            for violation in error.violations { text += "  \(violation)\n" }
            if !error.fix.isEmpty { text += "fix: \(error.fix)\n" }
            FileHandle.standardError.write(Data(text.utf8))
            throw ExitCode.failure
        }
    }
}

/// Dates in text output: `2026-12-01 17:30:00Z`.
func shortDate(_ date: Date?) -> String {
    guard let date else { return "-" }
    return ISO8601DateFormatter().string(from: date).replacingOccurrences(of: "T", with: " ")
}
