import CLibPQ
import Foundation
import MarketCore

/// Which PostgreSQL server the host uses: the one `DATABASE_URL` names, or else the private
/// cluster under the state directory.
public enum DatabaseLocation: Sendable {
    case url(String)
    case privateCluster(PrivateCluster)

    /// `DATABASE_URL` when set and not empty, the private cluster under `stateDirectory` otherwise.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment, stateDirectory: URL,
                               cluster: PrivateCluster.Configuration = PrivateCluster.Configuration()) -> DatabaseLocation {
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .url(url) }
        return .privateCluster(PrivateCluster(stateDirectory: stateDirectory, configuration: cluster))
    }

    /// The libpq connection string (a URL, or `key=value` pairs for the cluster's socket).
    public var connectionString: String {
        switch self {
        case .url(let url): url
        case .privateCluster(let cluster): cluster.connectionString
        }
    }

    /// Whether the server accepts connections (`PQping`: no login is attempted).
    public func isAcceptingConnections() async -> Bool {
        let connectionString = connectionString
        let answer = try? await BlockingWork.run {
            withCStrings(["connect_timeout", "dbname"]) { keywords in
                withCStrings(["5", connectionString]) { values in PQpingParams(keywords, values, 1) }
            }
        }
        return answer == PQPING_OK
    }
}
