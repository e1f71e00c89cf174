import ArgumentParser
import Foundation
import MarketBot
import MarketCore
import MarketServer
import MarketStore
import PluginRuntime

/// `market chat --tenant T`: a terminal chat with a tenant's bot, in process, or with
/// `--server URL --token T` through a running server's chat API.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a tenant's bot in the terminal: replies stream as they come; /help lists the commands.",
        discussion: """
            Each line you type is one message. The history is kept in PostgreSQL, so the conversation \
            continues where it stopped; /quit (or end of input) leaves. Example: market chat --tenant acme --plugins .build/market-plugins
            With --server the messages go to a running market serve (its chat API, replies streamed as server-sent events), \
            authenticated by --token or $MARKET_TOKEN. Example: market chat --server http://127.0.0.1:8080 --token mkt_… --tenant acme
            """
    )

    @Option(help: "The tenant whose bot answers.")
    var tenant: String

    @Option(help: "Who you are in the conversation (history and A/B variants are per user).")
    var user: String = ProcessInfo.processInfo.environment["USER"] ?? "cli"

    @Option(help: "A running market serve's base URL, e.g. http://127.0.0.1:8080: chat through its API instead of in process.")
    var server: String?

    @Option(help: "With --server: a token of the tenant or an admin token (default: $MARKET_TOKEN).")
    var token: String?

    @OptionGroup var options: TenantOptions

    func validate() throws {
        if let server, URL(string: server)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--server must be an http:// or https:// URL, e.g. http://127.0.0.1:8080")
        }
        if token != nil, server == nil { throw ValidationError("--token goes with --server") }
    }

    func run() async throws {
        if let server {
            try await reportingErrors { try await chatRemotely(server) }
            return
        }
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

    private func chatRemotely(_ server: String) async throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["MARKET_TOKEN"], !token.isEmpty else {
            throw MarketError(.unauthenticated, "--server needs a token", fix: "pass --token mkt_… or set MARKET_TOKEN")
        }
        let chat = RemoteChat(server: URL(string: server)!, token: token, tenant: tenant, user: user)
        let interactive = isatty(STDIN_FILENO) == 1
        if interactive { print("Chatting with \(tenant)'s bot at \(server) as \(user). /help lists the commands; /quit leaves.") }
        for await line in Self.lines() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text == "/quit" || text == "/exit" { break }
            try await chat.send(text) { name, data in
                guard case .string(let piece)? = data["text"] else { return }
                if name == "chunk" { Self.write(piece) }
                if name == "notice" { Self.write("\n" + piece + "\n") }
            }
            Self.write(interactive ? "\n> " : "\n")
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
