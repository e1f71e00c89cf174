import ArgumentParser

/// `--database URL` and its companions: the plugin commands (`install`, `update`, `rollback`,
/// `uninstall`) change the desired state in that database instead of this machine's folder,
/// and every `market serve` on it converges (docs/operations.md, "Plugins on every server").
struct DesiredStateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Change the desired plugin state in this database (a postgresql:// URL or libpq connection string) instead of this machine's plugin folder; every `market serve` using it converges.",
                               valueName: "url"))
    var database: String?

    @Flag(help: "With --database: return once the change is recorded, without waiting for the servers.")
    var noWait = false

    @Option(help: "With --database: seconds to wait for every live server to converge.")
    var timeout: Int = 60

    @Option(help: "With --database: change only if the plugin's desired state is still at this generation (0: none recorded yet); else PLUGIN_CHANGE_CONFLICT.")
    var ifGeneration: Int64?

    func validate() throws {
        guard database != nil || (!noWait && ifGeneration == nil) else {
            throw ValidationError("--no-wait and --if-generation go with --database URL")
        }
        if let database, database.isEmpty { throw ValidationError("--database needs a URL, e.g. --database \"$DATABASE_URL\"") }
        guard (1...3600).contains(timeout) else { throw ValidationError("--timeout must be 1 to 3600 seconds") }
        if let ifGeneration, ifGeneration < 0 { throw ValidationError("--if-generation must be 0 or more") }
    }
}
