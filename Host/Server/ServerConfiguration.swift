#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the server listens, and how it treats slow, idle and too many connections.
public struct ServerConfiguration: Sendable {
    /// The address to bind, `127.0.0.1` by default (`0.0.0.0` for every interface).
    public var host: String
    /// The TCP port; 0 lets the system choose one (the server logs which).
    public var port: Int
    /// When a slow or quiet client's connection is closed.
    public var timeouts: ConnectionTimeouts
    /// Connections held at once; nil for as many as the open-files limit allows
    /// (`effectiveMaximumConnections`).
    public var maximumConnections: Int?

    public init(host: String = "127.0.0.1", port: Int = 8080, timeouts: ConnectionTimeouts = ConnectionTimeouts(),
                maximumConnections: Int? = nil) {
        self.host = host
        self.port = port
        self.timeouts = timeouts
        self.maximumConnections = maximumConnections
    }

    /// The connection cap in force: the configured one, never more than the process's
    /// open-files limit allows once descriptors are kept back for the database pool, plugins,
    /// files and refused connections (an eighth of the limit, at least 64). Past the limit the
    /// kernel would refuse `accept` itself, and even `/healthz` would go unanswered.
    public var effectiveMaximumConnections: Int {
        let allowed = Self.openFilesLimit.map { limit in max(16, limit - max(64, limit / 8)) } ?? 4096
        return min(maximumConnections ?? allowed, allowed)
    }

    /// The soft limit on open files, or nil when there is none.
    static var openFilesLimit: Int? {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        // RLIM_INFINITY is all ones here, a macro Swift cannot import.
        let infinity = rlim_t.max
        #else
        let resource = RLIMIT_NOFILE
        let infinity = RLIM_INFINITY
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != infinity else { return nil }
        return Int(clamping: limit.rlim_cur)
    }
}
