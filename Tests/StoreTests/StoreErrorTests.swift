import MarketCore
import MarketStore
import Testing

@Suite struct StoreErrorTests {
    /// The codes are part of the interface: scripts and the HTTP API match on them.
    @Test func theCodesAreStable() {
        let codes: [MarketError.Code] = [.databaseUnavailable, .migrationFailed, .queryFailed]
        #expect(codes.map(\.rawValue) == ["DB_UNAVAILABLE", "MIGRATION_FAILED", "QUERY_FAILED"])
    }
}
