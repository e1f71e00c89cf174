import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MarketTestSupport
import Testing

/// Debian's `prometheus` on an ephemeral loopback port, with a config and a data folder of its
/// own under `folder` (never the system's /etc/prometheus or :9090), scraping `target` each
/// second. Stopped by `stop()`; a test process that ends does not run deinitialisers, so the
/// release alone would leave it running.
final class PrometheusProcess: Sendable {
    let process: ServeProcess
    let port: Int

    private init(process: ServeProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Installs prometheus and promtool when they are missing, as the test command does.
    static func install() async throws {
        guard !FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus")
                || !FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else { return }
        let setup = try await runProcess("/bin/bash", [Repository.root.appendingPathComponent("scripts/setup.sh").path])
        try #require(setup.status == 0, "scripts/setup.sh: \(setup.stdout)\(setup.stderr)")
    }

    static func start(scraping target: String, in folder: URL) async throws -> PrometheusProcess {
        try await install()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = folder.appendingPathComponent("prometheus.yml")
        try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: market
                static_configs:
                  - targets: ["\(target)"]
            """.write(to: config, atomically: true, encoding: .utf8)
        let process = try ServeProcess(executable: "/usr/bin/prometheus", [
            "--config.file=\(config.path)", "--storage.tsdb.path=\(folder.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:0", "--storage.tsdb.retention.time=1h",
        ])
        // It logs (on standard error) the address it bound: `msg="Listening on" address=127.0.0.1:PORT`.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let log = process.standardError
            if let line = log.split(separator: "\n").first(where: { $0.contains("msg=\"Listening on\"") }),
               let address = line.split(separator: " ").first(where: { $0.hasPrefix("address=") }),
               let port = address.split(separator: ":").last.flatMap({ Int($0) }) {
                return PrometheusProcess(process: process, port: port)
            }
            if process.waitStatus != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPTestFailure("prometheus did not say where it listens:\n\(process.standardError)")
    }

    func stop() {
        process.signal(SIGKILL)
    }

    /// Evaluates `expression` now (`/api/v1/query`); the series of the result.
    func query(_ expression: String) async throws -> [[String: Any]] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
        let reply = try await LoopbackHTTP.get("/api/v1/query?query=\(encoded)", port: port)
        let body = try reply.json()
        guard reply.status == 200, body["status"] as? String == "success", let data = body["data"] as? [String: Any] else {
            throw HTTPTestFailure("prometheus refused \(expression): \(reply.text)")
        }
        return data["result"] as? [[String: Any]] ?? []
    }
}
