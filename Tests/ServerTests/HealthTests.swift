import Foundation
import MarketStore
import StoreTestSupport
import Testing

extension ServerTests {
    @Suite struct Health {
        @Test func healthzAnswersWhileTheProcessRuns() async throws {
            // An unreachable database: /healthz must not depend on it.
            try await RunningServer.with(database: "host=/nonexistent port=1 user=market dbname=market") { server in
                let reply = try await server.get("/healthz")
                #expect(reply.status == 200)
                #expect(reply.headers["content-type"] == "application/json")
                #expect(try reply.json()["status"] as? String == "ok")
            }
        }

        @Test func readyWhenTheSchemaIsCurrent() async throws {
            let database = try await freshDatabase(migrated: true)
            try await RunningServer.with(database: database) { server in
                let reply = try await server.get("/readyz")
                #expect(reply.status == 200, "\(reply.text)")
                #expect(try reply.json()["status"] as? String == "ready")
            }
        }

        @Test func notReadyOnAnUnmigratedDatabase() async throws {
            let database = try await freshDatabase(migrated: false)
            try await RunningServer.with(database: database) { server in
                let reply = try await server.get("/readyz")
                #expect(reply.status == 503)
                #expect(reply.headers["content-type"] == "application/problem+json")
                let problem = try reply.json()
                #expect(problem["code"] as? String == "MIGRATION_PENDING")
                #expect(problem["status"] as? Int == 503)
                #expect((problem["fix"] as? String)?.contains("market db migrate") == true)
            }
        }

        @Test func notReadyWhileANewerMigrationIsPending() async throws {
            let database = try await freshDatabase(migrated: true)
            let newer = try Migrator(migrations: BuiltInMigrations.all + [Migration(version: 9999, name: "later", sql: "SELECT 1")])
            try await RunningServer.with(database: database, migrator: newer) { server in
                let reply = try await server.get("/readyz")
                #expect(reply.status == 503)
                let problem = try reply.json()
                #expect(problem["code"] as? String == "MIGRATION_PENDING")
                #expect((problem["detail"] as? String)?.contains("9999") == true)
            }
        }

        @Test func notReadyWhenTheDatabaseIsUnreachable() async throws {
            try await RunningServer.with(database: "host=/nonexistent port=1 user=market dbname=market") { server in
                let reply = try await server.get("/readyz")
                #expect(reply.status == 503)
                #expect(try reply.json()["code"] as? String == "DB_UNAVAILABLE")
            }
        }

        @Test func requestIDsAreEchoedOrMade() async throws {
            try await RunningServer.with(database: "host=/nonexistent port=1 user=market dbname=market") { server in
                let given = try await server.get("/healthz", headers: ["x-request-id": "lb-42.abc"])
                #expect(given.headers["x-request-id"] == "lb-42.abc")
                let made = try await server.get("/healthz")
                let id = try #require(made.headers["x-request-id"])
                #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
                // An id that could smuggle text into logs is replaced.
                for unusable in ["has space", "<script>", String(repeating: "a", count: 129)] {
                    let refused = try await server.get("/healthz", headers: ["x-request-id": unusable])
                    #expect(refused.headers["x-request-id"] != unusable)
                    #expect(refused.headers["x-request-id"]?.count == 32)
                }
            }
        }
    }
}
