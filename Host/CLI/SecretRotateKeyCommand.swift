import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketStore

/// `market secret rotate-key [--new-key-file FILE]`
struct SecretRotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Re-seal every stored secret and Telegram bot token under a new master key, in one transaction.",
        discussion: """
            Makes a new key and writes it to --new-key-file (mode 0600), re-seals every tenant's secrets and every \
            Telegram bot's token and webhook secret under it in one transaction, and then, when the current key came \
            from <state-dir>/master.key, puts the new key in its place. When it came from MARKET_MASTER_KEY, set that \
            variable to the new file's contents wherever market runs on this database. Either way, restart every \
            `market serve` on this database afterwards: a running server keeps the key it started with.
            """
    )

    @Option(help: ArgumentHelp("Where to write the new key; it must not exist (default: <state-dir>/master.key.new).", valueName: "file"))
    var newKeyFile: String?

    @OptionGroup var database: DatabaseOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let logger = Logger(label: "market.secrets")
            let state = database.stateDirectory
            let fromEnvironment = !(ProcessInfo.processInfo.environment[MasterKey.environmentVariable] ?? "").isEmpty
            let old = try MasterKey.load(stateDirectory: state, logger: logger)
            let new = MasterKey.generate()
            let file = newKeyFile.map { URL(fileURLWithPath: $0) } ?? state.appendingPathComponent(MasterKey.fileName + ".new")
            // Written before the database changes, so the key of what commits is never lost.
            try new.save(to: file)
            let outcome = try await rotate(from: old, to: new, keptIn: file, logger: logger)
            if !fromEnvironment { try MasterKey.install(file, stateDirectory: state) }
            let installed = fromEnvironment ? nil : state.appendingPathComponent(MasterKey.fileName)
            if output.json {
                try print(Self.json(Report(oldKeyId: old.id, newKeyId: new.id, secrets: outcome.secrets, telegramBots: outcome.telegramBots,
                                           connections: outcome.connections,
                                           keyFile: (installed ?? file).path, installed: installed != nil)))
                return
            }
            let bots = outcome.telegramBots == 1 ? "1 Telegram bot" : "\(outcome.telegramBots) Telegram bots"
            let connections = outcome.connections == 1 ? "1 connection" : "\(outcome.connections) connections"
            print("re-sealed \(outcome.secrets) secret\(outcome.secrets == 1 ? "" : "s"), \(connections) and \(bots) under master key \(new.id) (was \(old.id))")
            if let installed {
                print("installed the new key in \(installed.path)")
                print("restart every `market serve` on this database; a replica with a key file of its own needs a copy of this one")
            } else {
                print("the new key is in \(file.path): set \(MasterKey.environmentVariable) to its contents wherever market runs on this database,")
                print("restart every `market serve` on it, then delete the file")
            }
        }
    }

    /// Re-seals the database, once its schema is current (so every table that holds secrets exists).
    private func rotate(from old: MasterKey, to new: MasterKey, keptIn file: URL, logger: Logger) async throws -> MasterKeyRotation.Outcome {
        do {
            return try await database.withCurrentSchema(size: 1, logger: logger) { pool in
                try await MasterKeyRotation(from: old, to: new).run(using: pool, logger: logger)
            }
        } catch let error as MarketError where [.secretUnreadable, .migrationFailed, .schemaBehind, .schemaNewer].contains(error.code) {
            // Refused before the commit: nothing is sealed under the new key.
            try? FileManager.default.removeItem(at: file)
            throw error
        } catch {
            let error = error as? MarketError ?? MarketError(.ioFailed, "\(error)", fix: "")
            throw MarketError(error.code, error.message + " (the new key \(new.id) stays in \(file.path): if the database committed, its secrets need it)",
                              fix: error.fix.isEmpty ? "check with `market secret list`, then run the command again" : error.fix, underlying: error)
        }
    }

    private struct Report: Encodable {
        let oldKeyId: String
        let newKeyId: String
        let secrets: Int
        let telegramBots: Int
        let connections: Int
        let keyFile: String
        let installed: Bool
    }

    private static func json(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
