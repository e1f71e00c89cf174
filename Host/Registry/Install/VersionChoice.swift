import MarketCore

/// Picks the version of a plugin to install: the highest one in the requested range that is
/// not yanked, accepts the host's ABI and has an artifact for the host's platform. When none
/// does, the error says which of these ruled the candidates out.
public enum VersionChoice {
    public static func choose(from index: IndexMetadata, range: VersionRange?, host: Platform,
                              hostABI: SemanticVersion) throws -> (version: IndexMetadata.Version, artifact: IndexMetadata.Artifact) {
        let parsed = index.versions.compactMap { entry in SemanticVersion(entry.version).map { (semantic: $0, entry: entry) } }
            .sorted { $0.semantic > $1.semantic }
        let inRange = parsed.filter { range?.contains($0.semantic) ?? $0.semantic.prerelease.isEmpty }
        let wanted = range.map { "version in \($0)" } ?? "release"
        guard !inRange.isEmpty else {
            throw MarketError(.notFound, "\(index.id) has no \(wanted) (published: \(parsed.map(\.entry.version).joined(separator: ", ")))",
                              fix: "pick a range that matches a published version; see `market info \(index.id)`")
        }
        let available = inRange.filter { !$0.entry.yanked }
        guard !available.isEmpty else {
            throw MarketError(.notFound, "every \(wanted) of \(index.id) is yanked (\(inRange.map { "\($0.entry.version): \($0.entry.yankReason ?? "no reason")" }.joined(separator: "; ")))",
                              fix: "choose another version; see `market info \(index.id)`")
        }
        let compatible = available.filter { (try? VersionRange($0.entry.abi).contains(hostABI)) == true }
        guard !compatible.isEmpty else {
            throw MarketError(.abiIncompatible, "no \(wanted) of \(index.id) accepts this host's ABI \(hostABI.major).\(hostABI.minor) (\(available.map { "\($0.entry.version) needs \($0.entry.abi)" }.joined(separator: "; ")))",
                              fix: "update market, or ask the publisher for a build against ABI ^\(hostABI.major).0")
        }
        for candidate in compatible {
            if let artifact = candidate.entry.artifact(for: host) { return (candidate.entry, artifact) }
        }
        throw MarketError(.noPlatform, "no \(wanted) of \(index.id) is built for \(host) (\(compatible.map { "\($0.entry.version): \($0.entry.artifacts.keys.sorted().joined(separator: ", "))" }.joined(separator: "; ")))",
                          fix: "ask the publisher for a build for \(host), or build the plugin from source")
    }

    /// The ABI this host speaks, as a version.
    public static var hostABI: SemanticVersion {
        SemanticVersion(HostABI.version + ".0") ?? SemanticVersion(1, 0, 0)
    }
}
