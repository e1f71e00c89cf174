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

@Suite struct PackageAndInstallErrorTests {
    /// The codes added for packages, registries and installs are as stable as the first six.
    @Test func theCodesAreStable() {
        let codes: [MarketError.Code] = [.keyInvalid, .packageInvalid, .packageUnsafe, .registryInvalid, .versionExists, .notFound, .fetchFailed,
                                         .permissionsChanged, .probeFailed]
        #expect(codes.map(\.rawValue) == ["KEY_INVALID", "PACKAGE_INVALID", "PACKAGE_UNSAFE", "REGISTRY_INVALID", "VERSION_EXISTS", "NOT_FOUND",
                                          "FETCH_FAILED", "PERMISSIONS_CHANGED", "PROBE_FAILED"])
    }
}

@Suite struct ClientErrorTests {
    /// The codes of dependencies, uninstall, rollback and verify.
    @Test func theCodesAreStable() {
        let codes: [MarketError.Code] = [.dependencyConflict, .dependencyNeeded, .notInstalled, .installDamaged]
        #expect(codes.map(\.rawValue) == ["DEPENDENCY_CONFLICT", "DEPENDENCY_NEEDED", "NOT_INSTALLED", "INSTALL_DAMAGED"])
    }
}
