import Foundation

/// A folder served over HTTP on an ephemeral loopback port by Python's http.server, as a
/// registry's files are served: for the benchmarks that install from a registry. The server
/// exits when its standard input closes, so `stop()` (or this process's end) never leaves it
/// behind; SIGTERM would not do, since a server started from the benchmark runner ignores it.
public final class StaticSite: @unchecked Sendable {
    // @unchecked: set in init; `stop()` only closes the pipe and waits.
    public let port: Int
    private let process: Process
    private let input: Pipe

    public init(serving folder: URL) throws {
        let script = """
            import functools, http.server, os, sys, threading
            class Quiet(http.server.SimpleHTTPRequestHandler):
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=sys.argv[1]))
            print(server.server_address[1], flush=True)
            threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
            server.serve_forever()
            """
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, folder.path]
        let output = Pipe()
        input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { throw StaticSiteError(description: "the loopback http.server for \(folder.path) did not start") }
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw StaticSiteError(description: "the loopback http.server printed no port")
        }
        self.port = port
    }

    /// Stops the server and waits for it to end.
    public func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

public struct StaticSiteError: Error, CustomStringConvertible {
    public let description: String
}
