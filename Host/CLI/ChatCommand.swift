import ArgumentParser
import Foundation
import MarketBot
import MarketCore
import MarketStore
import PluginRuntime

/// `market chat --tenant T`: a terminal chat with a tenant's bot, in process.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a tenant's bot in the terminal: replies stream as they come; /help lists the commands.",
        discussion: """
            Each line you type is one message. The history is kept in PostgreSQL, so the conversation \
            continues where it stopped; /quit (or end of input) leaves. Example: market chat --tenant acme --plugins .build/market-plugins
            """
    )

    @Option(help: "The tenant whose bot answers.")
    var tenant: String

    @Option(help: "Who you are in the conversation (history and A/B variants are per user).")
    var user: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            try await options.withBot { context in
                guard try await context.tenants.tenant(tenant, by: options.principal) != nil else {
                    throw MarketError(.tenantNotFound, "there is no tenant \(tenant)", fix: "create it with `market tenant create \(tenant)`")
                }
                let (engine, runtime) = context.engine(options: options)
                let interactive = isatty(STDIN_FILENO) == 1
                let address = ChatAddress(channel: "cli", chatID: "cli:\(user)", userID: user)
                if interactive { print("Chatting with \(tenant)'s bot as \(user). /help lists the commands; /quit leaves.") }
                do {
                    for await line in Self.lines() {
                        let text = line.trimmingCharacters(in: .whitespaces)
                        if text.isEmpty { continue }
                        if text == "/quit" || text == "/exit" { break }
                        try await engine.respond(to: text, from: address, tenant: tenant) { chunk in
                            switch chunk {
                            case .text(let piece): Self.write(piece)
                            case .notice(let notice): Self.write("\n" + notice + "\n")
                            }
                        }
                        Self.write(interactive ? "\n> " : "\n")
                    }
                } catch {
                    await engine.shutdown()
                    await runtime.shutdown()
                    throw error
                }
                await engine.shutdown()
                await runtime.shutdown()
            }
        }
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Standard input's lines, read on a thread of their own (reading blocks).
    static func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread.detachNewThread {
                if isatty(STDIN_FILENO) == 1 { write("> ") }
                while let line = readLine() {
                    continuation.yield(line)
                }
                continuation.finish()
            }
        }
    }
}
