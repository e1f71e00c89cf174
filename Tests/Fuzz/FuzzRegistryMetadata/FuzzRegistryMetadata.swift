import Foundation
import FuzzSupport
import MarketCore
import MarketRegistry

/// Fuzzes what a registry client reads before it trusts anything: signed envelopes, their
/// canonical form (what signatures cover), the metadata roles, a package's checksums and
/// signature files.
func fuzzOne(_ bytes: [UInt8]) {
    let data = Data(bytes)
    if let envelope = try? SignedEnvelope(parsing: data, what: "fuzz.json") {
        _ = try? CanonicalJSON.data(envelope.signed)
    }
    _ = try? JSONDecoder().decode(RootMetadata.self, from: data)
    _ = try? JSONDecoder().decode(IndexMetadata.self, from: data)
    _ = try? JSONDecoder().decode(TimestampMetadata.self, from: data)
    _ = try? Checksums(parsing: data)
    _ = try? PackageSignature(parsing: data)
}


@main enum Harness {
    static func main() { FuzzMain.run(fuzzOne) }
}
