import MarketCore
import MarketRegistry
import Testing

@Suite struct RegistryErrorTests {
    /// The codes are part of the interface: scripts match on them.
    @Test func theCodesAreStable() {
        let codes: [MarketError.Code] = [.signatureInvalid, .keyUntrusted, .metadataExpired, .rollback, .hashMismatch, .noPlatform]
        #expect(codes.map(\.rawValue) == ["SIG_INVALID", "KEY_UNTRUSTED", "META_EXPIRED", "ROLLBACK", "HASH_MISMATCH", "NO_PLATFORM"])
    }
}
