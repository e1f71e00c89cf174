import Logging
import MarketCore
import MarketPluginAPI
import PluginKit

/// `market.connections/1` (ABI 1.4): offered only when the host keeps connections (a server
/// with PostgreSQL); `lookup` returns NULL otherwise.
extension ServiceTables {
    nonisolated(unsafe) static let connections = table(mk_connections_v1_t(
        struct_size: UInt32(MemoryLayout<mk_connections_v1_t>.size),
        access_token: { host, token, message in
            serve(host) { context in
                guard let credentials = context.services.connections else { return MK_ERR_UNSUPPORTED }
                do {
                    return PluginKit.write(try credentials.accessToken(context.namespace), to: token).rawValue
                } catch let unusable as ConnectionUnusable {
                    // The message names the tenant, the plugin and the command that fixes it; no token.
                    _ = PluginKit.write(unusable.description, to: message)
                    switch unusable.reason {
                    case .notConnected: return MK_ERR_NOT_FOUND
                    case .needsReconnect: return MK_ERR_UNAUTHENTICATED
                    case .expired: return MK_ERR_UNAVAILABLE
                    }
                } catch {
                    context.logger.error("reading a connection's access token failed", metadata: ["error": .string("\(error)")])
                    _ = PluginKit.write("the host could not read the connection of \(context.pluginID) (see the host's log); try again later", to: message)
                    return MK_ERR_UNAVAILABLE
                }
            }
        }
    ))
}
