import Foundation
import MarketCore

/// Installs plugins as a transaction: resolve, download, verify, extract safely, probe-load in
/// a child process, then switch atomically and write market.lock.
///
/// Layout under `folder`: `plugins/<id>/<version>/` (the extracted package),
/// `plugins/<id>/current` (a symlink to the active version) and `market.lock`. Until the
/// switch, everything happens in a staging folder; any failure removes it, so the installed
/// tree and the lock stay exactly as they were. The version that was current before an update
/// stays on disk for `rollback`; older ones are removed.
public struct Installer: Sendable {
    /// Loads an extracted plugin folder somewhere a crash cannot hurt the installer (a child
    /// process), throwing if it does not load.
    public typealias Probe = @Sendable (URL) async throws -> Void
    /// Asked when versions about to be switched in change permissions; true to go on.
    public typealias Consent = @Sendable ([PermissionChange]) async throws -> Bool
    /// Told how many bytes of a package have arrived, and how many there are.
    public typealias Progress = @Sendable (_ id: String, _ received: Int64, _ total: Int64) -> Void

    /// What an install did for one plugin.
    public enum Outcome: Sendable, Hashable {
        case installed(id: String, version: String)
        case alreadyInstalled(id: String, version: String)

        public var id: String {
            switch self {
            case .installed(let id, _), .alreadyInstalled(let id, _): id
            }
        }
    }

    /// The state folder: `plugins/` and `market.lock`.
    public let folder: URL
    public let probe: Probe
    /// Hears of download progress; nil for none.
    public var progress: Progress?

    /// An installer into `folder` that probes with `probe`.
    public init(folder: URL, probe: @escaping Probe, progress: Progress? = nil) {
        self.folder = folder
        self.probe = probe
        self.progress = progress
    }

    var pluginsFolder: URL { folder.appendingPathComponent("plugins") }

    /// Installs the best version of `id` in `range` from the registry `client` reads, with
    /// its dependencies. `consent` allows a change of permissions from the locked version.
    public func install(_ id: String, range: VersionRange?, from client: RegistryClient, source: String, consent: Bool = false) async throws -> Outcome {
        let outcomes = try await install(id, range: range, from: client, source: source, asking: { _ in consent })
        return outcomes.first { $0.id == id } ?? .alreadyInstalled(id: id, version: "")
    }

    /// Installs `id` and whatever it needs; returns what happened to each plugin touched.
    public func install(_ id: String, range: VersionRange?, from client: RegistryClient, source: String,
                        asking consent: @escaping Consent) async throws -> [Outcome] {
        let plan = try await plan([(id, range)], from: client, source: source)
        return try await apply(plan, consent: consent)
    }

    /// Runs `plan`: stages and verifies every package, asks `consent` for permission changes,
    /// probes each, then switches them all in with one lock update. Any failure leaves the
    /// tree and lock as they were.
    public func apply(_ plan: InstallPlan, consent: Consent) async throws -> [Outcome] {
        let unchanged = plan.unchanged.map { Outcome.alreadyInstalled(id: $0.id, version: $0.version) }
        guard !plan.isEmpty else { return unchanged }
        try makeFolder(pluginsFolder)
        let staging = pluginsFolder.appendingPathComponent(".staging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        try makeFolder(staging)
        var staged: [Staged] = []
        for step in plan.steps { staged.append(try await stage(step, in: staging.appendingPathComponent(step.id))) }
        let changes = staged.compactMap(permissionChange)
        if !changes.isEmpty, try await !consent(changes) {
            throw MarketError(.permissionsChanged, "the update changes permissions:\n\(changes.map(\.description).joined(separator: "\n"))",
                              fix: "review the changes, then run again with --yes to consent (or answer yes on a terminal)")
        }
        for item in staged { try await probe(item.folder) }
        try await BlockingWork.run { [self, staged] in
            try RegistryLock.withLock(folder) { try switchIn(staged) }
        }
        return staged.map { .installed(id: $0.step.id, version: $0.step.version) } + unchanged
    }

    func makeFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw MarketError(.ioFailed, "cannot create \(url.path)", underlying: error)
        }
    }
}
