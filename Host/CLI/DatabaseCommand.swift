import ArgumentParser

/// `market db …`: the database the host uses.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Start, stop and inspect the private PostgreSQL cluster, or the server DATABASE_URL names.",
        discussion: """
            Without DATABASE_URL, Market keeps a PostgreSQL cluster of its own in <state-dir>/postgres, \
            reachable only through a unix socket there. With DATABASE_URL set, every command uses that \
            server instead, and `db start`/`db stop` have nothing to do.
            """,
        subcommands: [
            DatabaseStartCommand.self, DatabaseStopCommand.self, DatabaseStatusCommand.self,
            DatabaseMigrateCommand.self, DatabasePsqlCommand.self,
        ]
    )
}
