import ArgumentParser
import Logging
import MarketStore

/// `market db migrate`
struct DatabaseMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations the database lacks (the server does this at start too).",
        discussion: """
            Only this command and `market serve` change the schema: the other commands refuse a database that lacks             migrations (SCHEMA_BEHIND) and write nothing. A database migrated by a newer market is refused (SCHEMA_NEWER).
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await reportingErrors {
            let logger = Logger(label: "market.db")
            let applied = try await database.withPool(size: 1, logger: logger) { pool in try await Migrator().apply(using: pool, logger: logger) }
            print(applied.isEmpty ? "the schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
        }
    }
}
