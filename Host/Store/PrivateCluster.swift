import Foundation
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster of Market's own under a state directory, for hosts with no
/// `DATABASE_URL`: created with the system's `initdb`, run with `pg_ctl`, reachable only through
/// a unix socket in its folder (no TCP listener unless asked for), with trust authentication on
/// that socket.
///
/// Layout under `<state>/postgres/`: `data/` (the cluster), `postgres.log`, and the socket
/// `.s.PGSQL.<port>`. When the process runs as root the folder belongs to the `postgres` user
/// and the server programs run as that user, since PostgreSQL refuses to run as root.
public struct PrivateCluster: Sendable {
    /// The role and database Market uses; the role is the cluster's superuser.
    public static let user = "market"
    public static let database = "market"

    /// How the cluster listens and how long its programs may take.
    public struct Configuration: Sendable {
        /// The port in the socket's name (and of the TCP listener, if any).
        public var port: Int = 5432
        /// A TCP address to listen on as well, such as `127.0.0.1`; none by default.
        public var listenAddress: String?
        /// How long `start` and `stop` wait for the server.
        public var timeoutSeconds: Int = 60
        /// The server's `max_connections`: every pool, worker and `LISTEN` holds one.
        public var maxConnections: Int = 100

        public init(port: Int = 5432, listenAddress: String? = nil, maxConnections: Int = 100) {
            self.port = port
            self.listenAddress = listenAddress
            self.maxConnections = maxConnections
        }
    }

    /// Whether the cluster exists and runs.
    public enum Status: Equatable, Sendable {
        /// No cluster has been created in the folder yet.
        case absent
        case stopped
        case running
    }

    /// `<state>/postgres`: the cluster, its log and its socket.
    public let folder: URL
    /// Port, listener and timeouts.
    public let configuration: Configuration

    /// - Parameter stateDirectory: Market's state directory; the cluster lives in its `postgres` folder.
    public init(stateDirectory: URL, configuration: Configuration = Configuration()) {
        folder = stateDirectory.appendingPathComponent("postgres").standardizedFileURL
        self.configuration = configuration
    }

    /// The data directory (PGDATA).
    public var dataDirectory: URL { folder.appendingPathComponent("data") }
    /// The server's log, the first place to look when it will not start.
    public var logFile: URL { folder.appendingPathComponent("postgres.log") }

    /// A libpq connection string for the cluster's socket.
    public var connectionString: String {
        "host='\(folder.path)' port=\(configuration.port) user=\(Self.user) dbname=\(Self.database)"
    }

    /// Creates the cluster if needed and starts it, returning once it accepts connections.
    /// - Returns: false when it was already running.
    @discardableResult
    public func start() async throws -> Bool {
        try await BlockingWork.run { try startBlocking() }
    }

    /// Stops the cluster (fast shutdown: open transactions roll back).
    /// - Returns: false when it was not running.
    @discardableResult
    public func stop() async throws -> Bool {
        try await BlockingWork.run { try stopBlocking() }
    }

    /// Whether the cluster exists and runs (`pg_ctl status`).
    public func status() async throws -> Status {
        try await BlockingWork.run { try statusBlocking() }
    }

    /// The folder holding `psql` and the other client programs of the version in use.
    public func clientPrograms() throws -> URL { try PostgresCommands.newest().bin }

    // MARK: - Blocking work, run on a thread pool

    func startBlocking() throws -> Bool {
        let commands = try PostgresCommands.newest()
        try prepareFolder()
        if try statusBlocking() == .running { return false }
        if !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            try initialise(commands)
        }
        try writeSettings()
        let started = try runAsServerUser(commands.path("pg_ctl"), [
            "start", "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", String(configuration.timeoutSeconds),
        ])
        guard started.status == 0 else {
            throw MarketError(.clusterFailed, "pg_ctl could not start the private cluster: \(lastLine(started.output))",
                              fix: "read \(logFile.path) for the server's reason")
        }
        try createDatabaseIfMissing(commands)
        return true
    }

    func stopBlocking() throws -> Bool {
        guard try statusBlocking() == .running else { return false }
        let commands = try PostgresCommands.newest()
        let stopped = try runAsServerUser(commands.path("pg_ctl"), [
            "stop", "-D", dataDirectory.path, "-m", "fast", "-w", "-t", String(configuration.timeoutSeconds),
        ])
        guard stopped.status == 0 else {
            throw MarketError(.clusterFailed, "pg_ctl could not stop the private cluster: \(lastLine(stopped.output))",
                              fix: "read \(logFile.path); `pg_ctl stop -D \(dataDirectory.path) -m immediate` forces it")
        }
        return true
    }

    func statusBlocking() throws -> Status {
        guard FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) else { return .absent }
        let commands = try PostgresCommands.newest()
        // pg_ctl status: 0 running, 3 not running, 4 no readable data directory.
        let outcome = try runAsServerUser(commands.path("pg_ctl"), ["status", "-D", dataDirectory.path])
        return outcome.status == 0 ? .running : .stopped
    }

    private func initialise(_ commands: PostgresCommands) throws {
        // A half-made data folder (an interrupted initdb) would make initdb refuse to run.
        try? FileManager.default.removeItem(at: dataDirectory)
        let outcome = try runAsServerUser(commands.path("initdb"), [
            "-D", dataDirectory.path, "-U", Self.user, "-E", "UTF8", "--no-locale",
            "--auth-local=trust", "--auth-host=reject",
        ])
        guard outcome.status == 0 else {
            throw MarketError(.clusterFailed, "initdb failed: \(lastLine(outcome.output))",
                              fix: "check free space and permissions under \(folder.path)")
        }
        let include = "\n# Market's settings for this cluster, rewritten at every start.\ninclude = 'market.conf'\n"
        let configuration = dataDirectory.appendingPathComponent("postgresql.conf")
        do {
            let handle = try FileHandle(forWritingTo: configuration)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(include.utf8))
        } catch {
            throw MarketError(.clusterFailed, "cannot write \(configuration.path)", fix: "check permissions under \(folder.path)", underlying: error)
        }
    }

    /// Socket folder, port and listener live in a file of their own, so a start with other
    /// options needs no shell quoting and no edit of postgresql.conf.
    private func writeSettings() throws {
        let listen = configuration.listenAddress ?? ""
        let text = """
            unix_socket_directories = '\(quoted(folder.path))'
            unix_socket_permissions = 0700
            port = \(configuration.port)
            listen_addresses = '\(quoted(listen))'
            max_connections = \(configuration.maxConnections)

            """
        let file = dataDirectory.appendingPathComponent("market.conf")
        do {
            try Data(text.utf8).write(to: file, options: .atomic)
            try setOwner(of: file)
        } catch let error as MarketError {
            throw error
        } catch {
            throw MarketError(.clusterFailed, "cannot write \(file.path)", fix: "check permissions under \(folder.path)", underlying: error)
        }
    }

    private func createDatabaseIfMissing(_ commands: PostgresCommands) throws {
        let socket = ["-h", folder.path, "-p", String(configuration.port), "-U", Self.user]
        let query = "SELECT count(*) FROM pg_database WHERE datname = '\(Self.database)'"
        let found = try Subprocess.run(commands.path("psql"), socket + ["-d", "postgres", "-XAtq", "-c", query], in: folder)
        guard found.status == 0 else {
            throw MarketError(.databaseUnavailable, "the private cluster started but refuses connections: \(lastLine(found.output))",
                              fix: "read \(logFile.path)")
        }
        guard found.output.trimmingCharacters(in: .whitespacesAndNewlines) == "0" else { return }
        let created = try Subprocess.run(commands.path("createdb"), socket + [Self.database], in: folder)
        guard created.status == 0 else {
            throw MarketError(.clusterFailed, "cannot create the database \(Self.database): \(lastLine(created.output))",
                              fix: "read \(logFile.path)")
        }
    }

    // MARK: - Folder and user

    private var runsAsRoot: Bool { geteuid() == 0 }

    /// PostgreSQL refuses to run as root, so root hands the cluster to the `postgres` user.
    private func runAsServerUser(_ program: String, _ arguments: [String]) throws -> Subprocess.Outcome {
        try Subprocess.run(program, arguments, as: runsAsRoot ? "postgres" : nil, in: folder)
    }

    private func prepareFolder() throws {
        let socketPath = folder.appendingPathComponent(".s.PGSQL.\(configuration.port)").path
        // sockaddr_un.sun_path holds 108 bytes, the final NUL included.
        guard socketPath.utf8.count < 108 else {
            throw MarketError(.clusterFailed, "the socket path \(socketPath) is longer than unix sockets allow (107 bytes)",
                              fix: "choose a shorter --state-dir")
        }
        do {
            // The state directory gets the default mode; only the cluster's own folder is private.
            try FileManager.default.createDirectory(at: folder.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MarketError(.clusterFailed, "cannot create \(folder.path)", fix: "check the state directory's permissions", underlying: error)
        }
        try setOwner(of: folder)
        guard runsAsRoot else { return }
        let reachable = try Subprocess.run("/usr/bin/test", ["-w", folder.path, "-a", "-x", folder.path], as: "postgres", in: URL(fileURLWithPath: "/"))
        guard reachable.status == 0 else {
            throw MarketError(.clusterFailed, "the postgres user cannot reach \(folder.path): a parent folder is not traversable",
                              fix: "choose a --state-dir under folders everyone may traverse (e.g. /var/lib/market), or `chmod o+x` its parents")
        }
    }

    private func setOwner(of url: URL) throws {
        guard runsAsRoot else { return }
        guard let account = getpwnam("postgres") else {
            throw MarketError(.clusterFailed, "there is no postgres user to run the private cluster as root",
                              fix: "install postgresql (it creates the user), or run market as another user")
        }
        guard chown(url.path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw MarketError(.clusterFailed, "cannot hand \(url.path) to the postgres user (errno \(errno))",
                              fix: "put the state directory on a file system that supports ownership")
        }
    }

    private func quoted(_ value: String) -> String { value.replacingOccurrences(of: "'", with: "''") }

    private func lastLine(_ output: String) -> String {
        output.split(whereSeparator: \.isNewline).last.map(String.init) ?? "no output"
    }
}
