import MarketCore
import Synchronization

/// `market.connections/1` for `market serve`, whose connection store needs the master key, which
/// is read (or made) only after the schema check: the runtime gets this at once, and it answers
/// from the store once setup attaches it. No plugin is called before then; were one to ask, it
/// is told to try again.
final class ConnectionsAfterSetup: ConnectionCredentials {
    private let store = Mutex<(any ConnectionCredentials)?>(nil)

    func attach(_ connections: any ConnectionCredentials) {
        store.withLock { $0 = connections }
    }

    func accessToken(_ namespace: KeyValueNamespace) throws -> String {
        guard let connections = store.withLock({ $0 }) else {
            throw ConnectionUnusable(.expired, "market serve is still starting, so connections cannot be read yet; try again shortly")
        }
        return try connections.accessToken(namespace)
    }
}
