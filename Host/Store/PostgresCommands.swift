import Foundation
import MarketCore

/// The PostgreSQL server programs (`initdb`, `pg_ctl`, `psql`, …) of the newest version installed.
struct PostgresCommands: Sendable {
    /// Debian installs each major version under /usr/lib/postgresql/VERSION/bin.
    static let installRoot = URL(fileURLWithPath: "/usr/lib/postgresql")

    let bin: URL

    /// Finds the newest version that has `initdb`.
    static func newest(under root: URL = installRoot) throws -> PostgresCommands {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let ordered = versions.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
        for version in ordered {
            let bin = root.appendingPathComponent(version).appendingPathComponent("bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) {
                return PostgresCommands(bin: bin)
            }
        }
        throw MarketError(.clusterFailed, "initdb not found under \(root.path)/*/bin",
                          fix: "install postgresql (apt-get install postgresql), or set DATABASE_URL to use a server of your own")
    }

    func path(_ program: String) -> String { bin.appendingPathComponent(program).path }
}
