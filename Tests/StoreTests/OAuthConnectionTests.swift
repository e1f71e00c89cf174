import Foundation
import MarketCore
import MarketHTTP
import MarketStore
import MarketTestSupport
import Testing

extension DatabaseTests {
    /// OAuth2 connections against an authorization server on loopback written apart from the
    /// host: sign-in with PKCE, a callback that works once, refreshing ahead of expiry with
    /// single-use refresh tokens, two replicas racing one refresh, and a revoked grant.
    @Suite struct OAuthConnectionTests {
        struct World {
            let fixture: TenantFixture
            let server: FakeAuthorizationServer
            let connections: ConnectionStore
            let namespace = KeyValueNamespace(tenantID: "acme", pluginID: "oauthcrm")

            /// Another replica: its own pool and stores on the same database.
            func replica() -> (ConnectionStore, DatabasePool) {
                let pool = DatabasePool(connectionString: fixture.connectionString, configuration: .init(size: 2), logger: fixture.logs.logger)
                pool.start()
                let tenants = TenantStore(pool: pool, masterKey: fixture.key, manifests: TenantFixture.manifests(fixture.plugins), logger: fixture.logs.logger)
                return (ConnectionStore(tenants: tenants, allowedRanges: [.loopback], logger: fixture.logs.logger), pool)
            }

            func close() async {
                await fixture.close()
            }
        }

        /// A plugin `oauthcrm` whose token endpoint sits under the tenant's `account`, enabled
        /// for acme with the fake's client credentials.
        static func world(clientSecret: String = FakeAuthorizationServer.clientSecret) async throws -> World {
            let fixture = try await TenantFixture.make()
            let server = try await FakeAuthorizationServer.start()
            let folder = fixture.plugins.appendingPathComponent("oauthcrm")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let manifest = """
                {"id": "oauthcrm", "version": "1.0.0", "name": "OAuth CRM", "summary": "Signs in with OAuth2", "publisher": "market",
                 "license": "Apache-2.0", "kinds": ["tools"], "language": "c", "abi": "^1.4", "library": "liboauthcrm.so",
                 "permissions": {"secrets": ["oauth_client_id", "oauth_client_secret"]},
                 "config": {"type": "object", "properties": {"account": {"type": "string"}}},
                 "oauth2": {"authorize_url": "\(server.root)/authorize", "token_url": "\(server.root)/{account}/token", "scopes": ["crm", "notes"]}}
                """
            try Data(manifest.utf8).write(to: folder.appendingPathComponent("plugin.json"))
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            _ = try await store.enable("oauthcrm", tenant: "acme", by: fixture.admin)
            _ = try await store.configure("oauthcrm", tenant: "acme", with: .object(["account": .string("acme-eu")]), by: fixture.admin)
            try await store.setSecret("oauth_client_id", value: FakeAuthorizationServer.clientID, plugin: "oauthcrm", tenant: "acme", by: fixture.admin)
            try await store.setSecret("oauth_client_secret", value: clientSecret, plugin: "oauthcrm", tenant: "acme", by: fixture.admin)
            let connections = ConnectionStore(tenants: store, allowedRanges: [.loopback], logger: fixture.logs.logger)
            return World(fixture: fixture, server: server, connections: connections)
        }

        static let redirect = "https://market.example.com/oauth/callback"

        /// Starts a sign-in, consents at the fake, and returns the callback's `state` and `code`.
        static func consent(_ world: World) async throws -> (state: String, code: String) {
            let started = try await world.connections.beginAuthorization(plugin: "oauthcrm", tenant: "acme", redirectURI: redirect, by: world.fixture.admin)
            let back = try await world.server.consent(at: started.url)
            #expect(back.absoluteString.hasPrefix(redirect + "?"), "\(back)")
            let query = URLComponents(url: back, resolvingAgainstBaseURL: false)?.queryItems ?? []
            return (try #require(query.first { $0.name == "state" }?.value), try #require(query.first { $0.name == "code" }?.value))
        }

        static func signIn(_ world: World) async throws -> TenantConnection {
            let (state, code) = try await consent(world)
            return try await world.connections.completeAuthorization(state: state, code: code)
        }

        @Test func signingInWithPKCEConnectsAndItsCallbackWorksOnce() async throws {
            let world = try await Self.world()
            let started = try await world.connections.beginAuthorization(plugin: "oauthcrm", tenant: "acme", redirectURI: Self.redirect, by: world.fixture.admin)
            let query = Dictionary(uniqueKeysWithValues: (URLComponents(string: started.url)?.queryItems ?? []).map { ($0.name, $0.value ?? "") })
            #expect(query["response_type"] == "code" && query["client_id"] == FakeAuthorizationServer.clientID && query["redirect_uri"] == Self.redirect)
            #expect(query["code_challenge_method"] == "S256" && query["code_challenge"]?.count == 43 && query["scope"] == "crm notes")
            #expect(started.expiresAt > Date().addingTimeInterval(500))

            let (state, code) = try await Self.consent(world)
            let connection = try await world.connections.completeAuthorization(state: state, code: code)
            #expect(connection.kind == .oauth2 && connection.status == .connected && connection.scopes == ["crm", "notes"])
            #expect(connection.accessExpiresAt.map { $0 > Date().addingTimeInterval(3000) } == true)
            let token = try world.connections.accessToken(world.namespace)
            #expect(try await world.server.accepts(accessToken: token))
            // The fake checked the verifier against the challenge; a replayed callback finds nothing.
            #expect(try await world.server.stats()["codes"] == .integer(1))
            #expect(await marketError { try await world.connections.completeAuthorization(state: state, code: code) }?.code == .authorizationUnknown)
            // Audited under who started it; no token anywhere in the logs or the audit.
            let audit = try await world.fixture.sql("SELECT actor, action FROM audit_log WHERE action LIKE 'connection.%'")
            #expect(audit == [["cli:test", "connection.connect"]])
            #expect(!world.fixture.logs.lines.text.contains(token))
            let stored = try await world.fixture.sql("SELECT count(*) FROM oauth_authorizations")
            #expect(stored == [["1"]], "the started-but-unused sign-in of the first lines is left to expire")
            await world.close()
        }

        @Test func refreshingAheadOfExpiryRotatesTheSingleUseRefreshToken() async throws {
            let world = try await Self.world()
            try await world.server.control(expiresIn: 1)
            _ = try await Self.signIn(world)
            let first = try world.connections.accessToken(world.namespace)
            let refresher = ConnectionRefresher(store: world.connections, logger: world.fixture.logs.logger)
            // Half its one-second lifetime left: due.
            try await Task.sleep(for: .milliseconds(600))
            try await world.server.control(expiresIn: 3600)
            #expect(try await refresher.refreshDue() == .init(refreshed: 1))
            let second = try world.connections.accessToken(world.namespace)
            #expect(second != first)
            #expect(try await world.server.accepts(accessToken: second))
            // Fresh for an hour now: nothing is due, and the provider was asked once.
            #expect(try await refresher.refreshDue() == .init())
            let stats = try await world.server.stats()
            #expect(stats["refreshes"] == .integer(1) && stats["reused"] == .integer(0))
            #expect(stats["refresh_redirect_uris"] == .array([.string(Self.redirect)]), "the authorization's redirect URI goes along")
            let version = try await world.fixture.sql("SELECT token_version, status FROM connections")
            #expect(version == [["1", "connected"]])
            await world.close()
        }

        @Test func twoReplicasRacingOneRefreshAskTheProviderOnce() async throws {
            let world = try await Self.world()
            try await world.server.control(expiresIn: 1)
            _ = try await Self.signIn(world)
            try await Task.sleep(for: .milliseconds(600))
            // The provider takes its time, so both replicas find the connection due at once.
            try await world.server.control(expiresIn: 3600, refreshDelayMilliseconds: 800)
            let (other, otherPool) = world.replica()
            let one = ConnectionRefresher(store: world.connections, logger: world.fixture.logs.logger)
            let two = ConnectionRefresher(store: other, logger: world.fixture.logs.logger)
            async let first = one.refreshDue()
            async let second = two.refreshDue()
            let rounds = try await [first, second]
            #expect(rounds.map(\.refreshed).reduce(0, +) == 1 && rounds.map(\.needsReconnect).reduce(0, +) == 0, "\(rounds)")
            let stats = try await world.server.stats()
            #expect(stats["refreshes"] == .integer(1) && stats["reused"] == .integer(0), "\(stats)")
            #expect(try await world.server.accepts(accessToken: try other.accessToken(world.namespace)))
            #expect(try await world.fixture.sql("SELECT token_version, status FROM connections") == [["1", "connected"]])
            await otherPool.shutdown()
            await world.close()
        }

        @Test func aRevokedGrantNeedsReconnectingUntilTheTenantSignsInAgain() async throws {
            let world = try await Self.world()
            try await world.server.control(expiresIn: 1)
            _ = try await Self.signIn(world)
            try await Task.sleep(for: .milliseconds(600))
            try await world.server.control(revoke: true)
            let refresher = ConnectionRefresher(store: world.connections, logger: world.fixture.logs.logger)
            #expect(try await refresher.refreshDue() == .init(needsReconnect: 1))
            let listed = try await world.connections.connection(plugin: "oauthcrm", tenant: "acme", by: world.fixture.admin)
            #expect(listed?.status == .needsReconnect && listed?.lastError?.contains("invalid_grant") == true, "\(String(describing: listed))")
            #expect(TenantConnectionTests.unusable { try world.connections.accessToken(world.namespace) }?.reason == .needsReconnect)
            let events = try await world.fixture.sql("SELECT type FROM events WHERE type = 'connection.needs_reconnect'")
            #expect(events.count == 1)
            let audit = try await world.fixture.sql("SELECT actor FROM audit_log WHERE action = 'connection.needs_reconnect'")
            #expect(audit == [["system"]])
            // Nothing more is tried until a person acts; signing in again connects it.
            #expect(try await refresher.refreshDue() == .init())
            try await world.server.control(expiresIn: 3600)
            let again = try await Self.signIn(world)
            #expect(again.status == .connected && again.lastError == nil)
            #expect(try await world.server.accepts(accessToken: try world.connections.accessToken(world.namespace)))
            await world.close()
        }

        /// Events for a plugin whose connection needs a person wait, their attempts untouched,
        /// and go out as soon as the tenant signs in again.
        @Test func deliveriesWaitWhileTheConnectionNeedsReconnectingAndResumeAfter() async throws {
            let world = try await Self.world()
            let pool = world.fixture.pool
            let bus = EventBus(pool: pool, logger: world.fixture.logs.logger)
            let subscriber = Subscriber(tenantID: "acme", pluginID: "oauthcrm")
            try await bus.subscribe(subscriber, to: ["lead.*"])
            let targets = RecordingTargets()
            let worker = DeliveryWorker(pool: pool, connectionString: world.fixture.connectionString, targets: targets,
                                        configuration: .init(batchSize: 16, loops: 1, lease: .seconds(30), pollInterval: .milliseconds(200),
                                                             retries: RetrySchedule(retryDelays: [.milliseconds(100)], jitter: 0)),
                                        logger: world.fixture.logs.logger)
            try await world.server.control(expiresIn: 1)
            _ = try await Self.signIn(world)
            try await Task.sleep(for: .milliseconds(600))
            try await world.server.control(revoke: true)
            #expect(try await ConnectionRefresher(store: world.connections, logger: world.fixture.logs.logger).refreshDue() == .init(needsReconnect: 1))

            let event = EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"id": 1}"#)
            try await bus.publish([event])
            #expect(try await worker.deliverDue() == 1)
            #expect(targets.received.isEmpty, "the plugin is not called")
            // Held: pending, its attempt given back, and saying why; far from being due again.
            let held = try await world.fixture.sql("""
                SELECT status, attempts, starts_with(last_error, 'held: ') AND last_error LIKE '%needs reconnecting%invalid_grant%',
                       next_attempt_at > now() + interval '30 minutes' FROM deliveries WHERE event_id = $1
                """, [event.id])
            #expect(held == [["pending", "0", "t", "t"]], "\(held)")
            #expect(try await worker.deliverDue() == 0)

            // Signing in again releases it at once.
            try await world.server.control(expiresIn: 3600)
            _ = try await Self.signIn(world)
            #expect(try await worker.deliverDue() == 1)
            #expect(targets.received.map(\.event.id) == [event.id])
            #expect(try await world.fixture.sql("SELECT status, attempts FROM deliveries WHERE event_id = $1", [event.id]) == [["delivered", "1"]])
            await world.close()
        }

        @Test func signInsThatCannotWorkAreRefusedWithTheFix() async throws {
            let world = try await Self.world(clientSecret: "not-the-secret")
            let admin = world.fixture.admin
            // A plugin without oauth2 takes keys and tokens instead; the error says so.
            let noOAuth = await marketError {
                try await world.connections.beginAuthorization(plugin: "crm", tenant: "acme", redirectURI: Self.redirect, by: admin)
            }
            #expect(noOAuth?.code == .connectionInvalid && noOAuth?.fix.contains("--api-key") == true)
            #expect(await marketError {
                try await world.connections.beginAuthorization(plugin: "oauthcrm", tenant: "acme", redirectURI: "ftp://x/oauth/callback", by: admin)
            }?.code == .connectionInvalid)
            #expect(await marketError {
                try await world.connections.beginAuthorization(plugin: "oauthcrm", tenant: "acme", redirectURI: Self.redirect,
                                                               by: .tenant("globex", actor: "token:tok_x"))
            }?.code == .accessDenied)
            #expect(await marketError { try await world.connections.completeAuthorization(state: "made-up", code: "c") }?.code == .authorizationUnknown)

            // The provider refuses the wrong client secret; the sign-in is used up all the same.
            let (state, code) = try await Self.consent(world)
            let refused = await marketError { try await world.connections.completeAuthorization(state: state, code: code) }
            #expect(refused?.code == .connectionRefused && refused?.message.contains("invalid_client") == true && refused?.fix.contains("oauth_client_secret") == true)
            #expect(!(refused?.message.contains("not-the-secret") ?? true))
            #expect(await marketError { try await world.connections.completeAuthorization(state: state, code: code) }?.code == .authorizationUnknown)

            // A config value cannot move the token endpoint to another host.
            _ = try await world.fixture.store.configure("oauthcrm", tenant: "acme", with: .object(["account": .string("evil.com/x?")]), by: admin)
            // (The authorize URL has no placeholder, so the sign-in starts; the token URL has one.)
            let (state2, code2) = try await Self.consent(world)
            let moved = await marketError { try await world.connections.completeAuthorization(state: state2, code: code2) }
            #expect(moved?.code == .connectionInvalid && moved?.message.contains("account") == true, "\(String(describing: moved))")

            // Without --allow-network loopback, a token endpoint on loopback is not reached.
            _ = try await world.fixture.store.configure("oauthcrm", tenant: "acme", with: .object(["account": .string("acme-eu")]), by: admin)
            let guarded = ConnectionStore(tenants: world.fixture.store, logger: world.fixture.logs.logger)
            let started = try await guarded.beginAuthorization(plugin: "oauthcrm", tenant: "acme", redirectURI: Self.redirect, by: admin)
            let back = try await world.server.consent(at: started.url)
            let query = URLComponents(url: back, resolvingAgainstBaseURL: false)?.queryItems ?? []
            let unreachable = await marketError {
                try await guarded.completeAuthorization(state: query.first { $0.name == "state" }?.value ?? "", code: query.first { $0.name == "code" }?.value ?? "")
            }
            #expect(unreachable?.code == .connectionUnavailable, "\(String(describing: unreachable))")
            #expect(try await world.fixture.sql("SELECT count(*) FROM connections") == [["0"]])
            await world.close()
        }
    }
}
