import Foundation
import MarketCore

extension Installer {
    /// A package fetched, extracted and verified in the staging folder.
    struct Staged: Sendable {
        var step: InstallPlan.Step
        /// The extracted plugin folder.
        var folder: URL
        var manifest: PluginManifest
        var platform: Platform
        /// SHA-256 of its CHECKSUMS file.
        var checksums: String
        /// The id of the publisher key that signed it.
        var publisher: String
        /// The artifact pins the lock records.
        var artifacts: [String: LockFile.Pin]
    }

    /// Fetches (or copies) the package of `step` into `folder`, extracts it safely and
    /// verifies it against the step's publisher keys and index entry.
    func stage(_ step: InstallPlan.Step, in folder: URL) async throws -> Staged {
        try makeFolder(folder)
        let package = folder.appendingPathComponent("package.mkpkg")
        let artifacts: [String: LockFile.Pin]
        switch step.origin {
        case .registry(let client, let artifact, let entry):
            let report = progress.map { report in { @Sendable (received: Int64) in report(step.id, received, artifact.size) } }
            try await client.download(artifact, to: package, progress: report)
            artifacts = entry.artifacts.mapValues { LockFile.Pin(sha256: $0.sha256, size: $0.size) }
        case .file(let url):
            let data = try readFile(url)
            try await BlockingWork.run { try AtomicFile.write(data, to: package) }
            artifacts = [:]
        }
        let extracted = folder.appendingPathComponent("plugin")
        let publishers = step.publishers
        let opened = try await BlockingWork.run { try PackageVerifier.open(package, into: extracted, publishers: publishers) }
        try check(opened, against: step)
        let checksums = sha256Hex(try readFile(extracted.appendingPathComponent(Checksums.fileName)))
        var pins = artifacts
        if pins.isEmpty, case .file(let url) = step.origin {
            let data = try readFile(url)
            pins[opened.platform.description] = LockFile.Pin(sha256: sha256Hex(data), size: Int64(data.count))
        }
        return Staged(step: step, folder: extracted, manifest: opened.manifest, platform: opened.platform, checksums: checksums,
                      publisher: opened.publisherKey.id, artifacts: pins)
    }

    /// The package must be the one the plan describes: same id and version, and — from a
    /// registry — the permissions and dependencies of its index entry; it must run here.
    func check(_ package: VerifiedPackage, against step: InstallPlan.Step) throws {
        let id = step.id
        guard package.manifest.id == id, package.manifest.version == step.version else {
            throw MarketError(.hashMismatch, "the package of \(id) \(step.version) holds \(package.manifest.id) \(package.manifest.version)",
                              fix: "the registry is inconsistent; tell its operator")
        }
        if case .registry(_, _, let entry) = step.origin {
            guard try IndexMetadata.permissionsHash(package.manifest.permissions) == entry.permissions, package.manifest.dependencies == entry.needs else {
                throw MarketError(.hashMismatch, "the package of \(id) \(step.version) does not match its index entry (permissions or dependencies)",
                                  fix: "the registry is inconsistent; tell its operator")
            }
        }
        guard package.platform.runs(on: .current) else {
            throw MarketError(.noPlatform, "the package of \(id) \(step.version) is built for \(package.platform), not \(Platform.current)",
                              fix: "get the package built for \(Platform.current), or build the plugin from source")
        }
        guard (try? VersionRange(package.manifest.abi).contains(VersionChoice.hostABI)) == true else {
            throw MarketError(.abiIncompatible, "\(id) \(step.version) needs ABI \(package.manifest.abi); this host speaks \(VersionChoice.hostABI)",
                              fix: "update market, or get a build of the plugin for this ABI")
        }
    }

    /// The permission change a staged package brings, compared with the installed version's
    /// own plugin.json; nil when the hashes agree.
    func permissionChange(_ staged: Staged) -> PermissionChange? {
        guard let replacing = staged.step.replacing,
              let hash = try? IndexMetadata.permissionsHash(staged.manifest.permissions), hash != replacing.permissions else { return nil }
        let installed = pluginsFolder.appendingPathComponent("\(staged.step.id)/\(replacing.version)")
        let old = try? PluginManifest.load(from: installed).permissions
        return PermissionChange(id: staged.step.id, from: replacing.version, to: staged.step.version, old: old, new: staged.manifest.permissions)
    }

    /// Verifies a package file in a scratch folder and returns its manifest.
    func peekManifest(_ url: URL, publishers: [String: PublicKey]) throws -> PluginManifest {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("market-peek-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            return try PackageVerifier.open(url, into: scratch, publishers: publishers).manifest
        } catch let error as MarketError where error.code == .keyUntrusted {
            throw MarketError(.keyUntrusted, error.message, fix: "if you know the key is the publisher's, trust it: market trust add PUBLISHER.pub")
        }
    }
}
