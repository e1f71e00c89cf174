import Foundation
import PluginKit

/// One configured MCP server: started on first use, handshaken, its tool list cached until it
/// announces a change, and started again after it dies.
final class MCPServerSession {
    static let protocolVersion = "2025-06-18"

    let config: MCPConfig.Server
    private let host: PluginHost
    private var connection: JSONRPCConnection?
    private var tools: [[String: Any]]?

    init(config: MCPConfig.Server, host: PluginHost) {
        self.config = config
        self.host = host
    }

    /// The server's tools (`tools/list`, following `nextCursor` through every page).
    func listTools(context: CallContext?) throws -> [[String: Any]] {
        if let tools, connection != nil { return tools }
        let connection = try connected(context: context)
        var all: [[String: Any]] = []
        var cursor: String?
        repeat {
            let page = try guarded { try connection.request("tools/list", cursor.map { ["cursor": $0] } ?? [:], deadline: deadline(context), context: context) }
            all += page["tools"] as? [[String: Any]] ?? []
            cursor = page["nextCursor"] as? String
        } while cursor != nil && all.count < 10_000
        tools = all
        return all
    }

    /// `tools/call`; the result object (`content`, `structuredContent`, `isError`) as sent.
    func call(_ tool: String, arguments: [String: Any], context: CallContext) throws -> [String: Any] {
        let connection = try connected(context: context)
        return try guarded {
            try connection.request("tools/call", ["name": tool, "arguments": arguments], deadline: deadline(context), context: context)
        }
    }

    func stop() {
        connection?.stop()
        connection = nil
    }

    /// A live, initialised connection, starting the server if it is not running.
    private func connected(context: CallContext?) throws -> JSONRPCConnection {
        if let connection { return connection }
        let process = try host.spawn(config.command, arguments: config.args ?? [], environment: config.env ?? [:])
        let connection = JSONRPCConnection(process: process)
        connection.onNotification = { [weak self] method in
            if method == "notifications/tools/list_changed" { self?.tools = nil }
        }
        self.connection = connection
        do {
            _ = try connection.request("initialize", [
                "protocolVersion": Self.protocolVersion, "capabilities": [String: Any](),
                "clientInfo": ["name": "market-mcp", "version": "1.0.0"],
            ], deadline: deadline(context, allowing: max(config.timeoutMilliseconds, Self.startupMilliseconds)), context: context)
            try connection.notify("notifications/initialized")
        } catch {
            stop()
            throw PluginError(.unavailable, "the MCP server '\(config.name)' did not start: \(error)")
        }
        host.log(.info, "MCP server started", fields: ["server": config.name])
        return connection
    }

    /// Runs a request; if the server went away meanwhile, forgets it so the next use starts it again.
    private func guarded<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PluginError where error.status == .unavailable {
            stop()
            tools = nil
            host.log(.warning, "MCP server stopped", fields: ["server": config.name])
            throw PluginError(.unavailable, "the MCP server '\(config.name)' stopped during the call; it will be started again on next use")
        } catch let error as PluginError where error.status == .timeout {
            // A server that missed its deadline may answer late: start afresh rather than mix answers.
            stop()
            throw error
        }
    }

    /// Starting an interpreter and its SDK can take longer than a call may.
    static let startupMilliseconds: UInt64 = 30_000

    private func deadline(_ context: CallContext?, allowing milliseconds: UInt64? = nil) -> UInt64 {
        let own = monotonicNanoseconds() + (milliseconds ?? config.timeoutMilliseconds) * 1_000_000
        return min(own, context?.deadlineNanoseconds ?? .max)
    }
}
