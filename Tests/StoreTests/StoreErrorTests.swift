import MarketCore
import MarketStore
import Testing

@Suite struct StoreErrorTests {
    /// The codes are part of the interface: scripts and the HTTP API match on them.
    @Test func theCodesAreStable() {
        let codes: [MarketError.Code] = [.databaseUnavailable, .migrationFailed, .schemaBehind, .schemaNewer, .queryFailed, .clusterFailed, .columnInvalid]
        #expect(codes.map(\.rawValue) == ["DB_UNAVAILABLE", "MIGRATION_FAILED", "SCHEMA_BEHIND", "SCHEMA_NEWER", "QUERY_FAILED", "CLUSTER_FAILED",
                                          "COLUMN_INVALID"])
    }

    @Test func aPostgresErrorDescribesItselfByItsSQLStateOnly() {
        let error = PostgresError(sqlState: "23505", serverMessage: "duplicate key value", detail: "Key (token)=(secret) already exists.", hint: nil)
        #expect(error.description == "SQLSTATE 23505")
        #expect(!error.description.contains("secret"))
        #expect(error.debugDescription.contains("Key (token)=(secret)"))
    }
}
