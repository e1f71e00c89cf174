import Foundation
import PluginKit

/// JSON-RPC 2.0 over a helper's stdin and stdout, one message per line (MCP's stdio
/// transport). Responses are matched to requests by id, so they may arrive in any order;
/// notifications and the server's own requests are handled as they pass.
final class JSONRPCConnection {
    private let process: HelperProcess
    private var pending: [UInt8] = []
    private var nextID = 1
    /// Responses that arrived while another request was waited for.
    private var early: [Int: [String: Any]] = [:]
    /// Called with each notification's method (e.g. notifications/tools/list_changed).
    var onNotification: (String) -> Void = { _ in }

    init(process: HelperProcess) {
        self.process = process
    }

    /// Sends a request and waits until its response arrives, the deadline passes or the call
    /// is cancelled. Returns the `result`; a JSON-RPC `error` is thrown as a PluginError.
    func request(_ method: String, _ params: [String: Any], deadline: UInt64, context: CallContext?) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        try send(["jsonrpc": "2.0", "id": id, "method": method, "params": params])
        while true {
            if let response = early.removeValue(forKey: id) { return try Self.result(of: response, method: method) }
            try context?.checkCancellation()
            let now = monotonicNanoseconds()
            guard now < deadline else { throw PluginError(.timeout, "the MCP server did not answer \(method) in time") }
            let wait = UInt32(min((deadline - now) / 1_000_000 + 1, 200))
            guard let chunk = try process.read(timeoutMilliseconds: wait) else { continue }
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                try handle(line)
            }
        }
    }

    func notify(_ method: String, _ params: [String: Any] = [:]) throws {
        try send(["jsonrpc": "2.0", "method": method, "params": params])
    }

    func stop() {
        process.stop(graceMilliseconds: 1_000)
    }

    private func send(_ message: [String: Any]) throws {
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(UInt8(ascii: "\n"))
        try process.write(Array(data))
    }

    private func handle(_ line: [UInt8]) throws {
        guard let message = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else { return }
        let method = message["method"] as? String
        switch (message["id"], method) {
        case (let id?, let method?):
            // A request from the server: answer ping, decline what a tools bridge does not offer.
            if method == "ping" {
                try send(["jsonrpc": "2.0", "id": id, "result": [String: Any]()])
            } else {
                try send(["jsonrpc": "2.0", "id": id, "error": ["code": -32601, "message": "not supported by this client"]])
            }
        case (nil, let method?):
            onNotification(method)
        case (let id as Int, nil):
            early[id] = message
        default:
            break
        }
    }

    private static func result(of response: [String: Any], method: String) throws -> [String: Any] {
        if let error = response["error"] as? [String: Any] {
            let code = error["code"] as? Int ?? 0
            let message = error["message"] as? String ?? "unknown error"
            throw PluginError(code == -32602 || code == -32601 ? .invalidArgument : .upstream, "the MCP server refused \(method): \(message)")
        }
        return response["result"] as? [String: Any] ?? [:]
    }
}
