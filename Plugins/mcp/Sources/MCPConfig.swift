import PluginKit

/// The instance's settings: the MCP servers to run.
struct MCPConfig: Decodable {
    struct Server: Decodable {
        var name: String
        var command: String
        var args: [String]?
        var env: [String: String]?
        var timeout_seconds: Double?

        var timeoutMilliseconds: UInt64 { UInt64(min(max(timeout_seconds ?? 30, 1), 600) * 1000) }
    }

    var servers: [Server]

    func validate() throws {
        var seen: Set<String> = []
        for server in servers {
            let valid = !server.name.isEmpty && server.name.count <= 24 && server.name.first?.isLetter == true
                && server.name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" || $0 == "-" }
            guard valid else {
                throw PluginError(.invalidArgument, "server name '\(server.name)' must be 1–24 of a–z 0–9 _ -, starting with a letter")
            }
            guard seen.insert(server.name).inserted else { throw PluginError(.invalidArgument, "server name '\(server.name)' is used twice") }
        }
    }
}
