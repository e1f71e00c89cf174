import Logging
import MarketStore

extension TenantOptions {
    /// Opens the store as `withStore` does and hands `body` the tenants' connections on it.
    func withConnections<Value>(_ body: (ConnectionStore, Principal) async throws -> Value) async throws -> Value {
        try await withStore { store, principal in
            try await body(ConnectionStore(tenants: store, logger: Logger(label: "market.connections")), principal)
        }
    }
}
