import Foundation
import MarketCore

/// The runtime's side: the access token a plugin asks for through `market.connections/1`.
extension ConnectionStore: ConnectionCredentials {
    public func accessToken(_ namespace: KeyValueNamespace) throws -> String {
        let (tenant, plugin) = (namespace.tenantID, namespace.pluginID)
        let row = try pool.withConnectionBlocking { connection in
            try connection.prepared("""
                SELECT status, access_sealed, key_id, last_error, access_expires_at <= now() AS expired
                FROM connections WHERE tenant_id = $1 AND plugin_id = $2
                """, [tenant, plugin]).first
        }
        guard let row else {
            throw ConnectionUnusable(.notConnected, "tenant \(tenant) has not connected \(plugin) to its service; connect it with "
                                     + "`market connections set \(plugin) --tenant \(tenant) --api-key` (or `--token`), the value on standard input")
        }
        guard try row.decode("status", as: String.self) == TenantConnection.Status.connected.rawValue else {
            let reason = try row.decode("last_error", as: String?.self).map { " (\($0))" } ?? ""
            throw ConnectionUnusable(.needsReconnect, "the connection of \(plugin) for tenant \(tenant) needs reconnecting: the service refused it\(reason); "
                                     + "set new credentials with `market connections set \(plugin) --tenant \(tenant)`")
        }
        if try row.decode("expired", as: Bool?.self) == true {
            throw ConnectionUnusable(.expired, "the access token of \(plugin) for tenant \(tenant) has expired; "
                                     + "set a new one with `market connections set \(plugin) --tenant \(tenant)`")
        }
        let sealed = SecretBox.Sealed(combined: try row.decode("access_sealed"), keyID: try row.decode("key_id"))
        return try box.open(sealed, for: .connection(tenant: tenant, plugin: plugin, field: "access"))
    }
}
