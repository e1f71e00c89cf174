import Foundation
import Logging
import MarketCore
import ServiceLifecycle

/// Refreshes OAuth2 connections' access tokens ahead of expiry, so a plugin's call never finds
/// an expired one (the complaint about integration platforms is tokens refreshed only once a
/// run has failed). Every `market serve` runs one; replicas share the work through the rows.
///
/// A refresh holds its connection's row lock (`FOR UPDATE SKIP LOCKED`) from reading the refresh
/// token to writing the new one, in one transaction: a provider that rotates single-use refresh
/// tokens (amoCRM) is asked once, and a replica that comes second skips the row or finds it
/// fresh. A provider that refuses the grant (`invalid_grant`: revoked, or the user left) puts
/// the connection in `needs_reconnect`, with its event and audit entry; one that cannot be
/// reached is tried again next round.
public final class ConnectionRefresher: Service, Sendable {
    let store: ConnectionStore
    let interval: Duration
    let logger: Logger

    /// A token is refreshed once less than this is left, or less than half its lifetime
    /// (measured from when it was stored), whichever comes first.
    public static let refreshAhead: Duration = .seconds(300)

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var refreshed = 0
        public var needsReconnect = 0
        /// Not refreshed this round (the provider unreachable, another replica on it).
        public var skipped = 0

        public init(refreshed: Int = 0, needsReconnect: Int = 0, skipped: Int = 0) {
            self.refreshed = refreshed
            self.needsReconnect = needsReconnect
            self.skipped = skipped
        }
    }

    public init(store: ConnectionStore, interval: Duration = .seconds(15), logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) {
            _ = try await self.refreshDue()
        } failed: { [logger] error in
            logger.warning("could not look for connections to refresh", metadata: ["error": "\(error)"])
        }
    }

    /// Refreshes every connection that is due now.
    public func refreshDue() async throws -> Round {
        let due = try await store.pool.withConnection { connection in
            try connection.prepared("""
                SELECT tenant_id, plugin_id FROM connections
                WHERE kind = 'oauth2' AND status = 'connected' AND refresh_sealed IS NOT NULL AND access_expires_at IS NOT NULL
                  AND access_expires_at < now() + \(Self.dueMargin)
                ORDER BY access_expires_at LIMIT 100
                """, []).map { (try $0.decode("tenant_id", as: String.self), try $0.decode("plugin_id", as: String.self)) }
        }
        var round = Round()
        for (tenant, plugin) in due {
            switch await refresh(plugin: plugin, tenant: tenant) {
            case .refreshed: round.refreshed += 1
            case .needsReconnect: round.needsReconnect += 1
            case .skipped: round.skipped += 1
            }
        }
        return round
    }

    /// The margin, in SQL: the sooner of `refreshAhead` and half the time since the token was stored.
    static let dueMargin = "LEAST(interval '\(refreshAhead.components.seconds) seconds', (access_expires_at - updated_at) / 2)"

    enum Outcome { case refreshed, needsReconnect, skipped }

    func refresh(plugin: String, tenant: String) async -> Outcome {
        let endpoint: OAuthTokenEndpoint
        do {
            let (oauth2, settings) = try await store.declaration(plugin: plugin, tenant: tenant)
            endpoint = try store.endpoint(oauth2, settings: settings, plugin: plugin, tenant: tenant)
        } catch let error as MarketError where error.code == .connectionInvalid {
            // A client secret or a config field the endpoint needs is gone: a person's fix.
            await markNeedsReconnect(plugin: plugin, tenant: tenant, error: "cannot refresh: \(error.message)")
            return .needsReconnect
        } catch {
            // Uninstalled or disabled meanwhile, or the database away: nothing to refresh for now.
            logger.warning("could not refresh a connection", metadata: ["tenant": .string(tenant), "plugin": .string(plugin), "error": "\(error)"])
            return .skipped
        }
        let metadata: Logger.Metadata = ["tenant": .string(tenant), "plugin": .string(plugin)]
        do {
            return try await store.pool.transaction { [store, logger] connection in
                let rows = try connection.prepared("""
                    SELECT refresh_sealed, key_id, token_version, redirect_uri FROM connections
                    WHERE tenant_id = $1 AND plugin_id = $2 AND kind = 'oauth2' AND status = 'connected' AND refresh_sealed IS NOT NULL
                      AND access_expires_at < now() + \(Self.dueMargin)
                    FOR UPDATE SKIP LOCKED
                    """, [tenant, plugin])
                // Refreshed meanwhile, or being refreshed by another replica right now.
                guard let row = rows.first else { return Outcome.skipped }
                let version: Int64 = try row.decode("token_version")
                let sealed = SecretBox.Sealed(combined: try row.decode("refresh_sealed"), keyID: try row.decode("key_id"))
                let refreshToken = try store.box.open(sealed, for: .connection(tenant: tenant, plugin: plugin, field: "refresh"))
                let redirectURI: String? = try row.decode("redirect_uri")
                let tokens: OAuthTokens
                do throws(OAuthTokenEndpoint.Failure) {
                    // Blocking on this pool thread while the row stays locked: that is the point.
                    tokens = try endpoint.refreshBlocking(refreshToken, redirectURI: redirectURI)
                } catch {
                    switch error {
                    case .refused(let code, let description):
                        let reason = "the provider refused the refresh: \(code)" + (description.map { " (\($0))" } ?? "")
                        _ = try ConnectionStore.markNeedsReconnect(connection, plugin: plugin, tenant: tenant, error: reason, version: version)
                        logger.warning("connection needs reconnecting", metadata: metadata.merging(["error": .string(reason)]) { $1 })
                        return .needsReconnect
                    case .unavailable(let reason):
                        logger.warning("could not refresh a connection; trying again next round", metadata: metadata.merging(["error": .string(reason)]) { $1 })
                        return .skipped
                    }
                }
                let access = try store.box.seal(tokens.accessToken, for: .connection(tenant: tenant, plugin: plugin, field: "access")).combined
                // A provider that sends no new refresh token keeps the old one valid (RFC 6749 §6).
                let refresh = try tokens.refreshToken.map { try store.box.seal($0, for: .connection(tenant: tenant, plugin: plugin, field: "refresh")).combined }
                _ = try connection.prepared("""
                    UPDATE connections SET access_sealed = $3, refresh_sealed = COALESCE($4, refresh_sealed), key_id = $5,
                        access_expires_at = $6, scopes = CASE WHEN $7 = '' THEN scopes ELSE $7 END,
                        token_version = token_version + 1, last_error = NULL, updated_at = now()
                    WHERE tenant_id = $1 AND plugin_id = $2
                    """, [tenant, plugin, access, refresh, store.box.keyID, tokens.expiresAt, tokens.scopes.joined(separator: " ")])
                logger.info("connection refreshed", metadata: metadata)
                return .refreshed
            }
        } catch {
            logger.warning("could not refresh a connection; trying again next round", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return .skipped
        }
    }

    private func markNeedsReconnect(plugin: String, tenant: String, error: String) async {
        do {
            try await store.markNeedsReconnect(plugin: plugin, tenant: tenant, error: error, version: nil)
        } catch {
            logger.warning("could not mark a connection as needing reconnection", metadata: ["tenant": .string(tenant), "plugin": .string(plugin), "error": "\(error)"])
        }
    }
}
