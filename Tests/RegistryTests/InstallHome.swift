import Foundation
import MarketCore
import MarketRegistry

/// The install folder of a test registry's client, and its bytes, to show that a refused
/// change left it as it was.
extension TestRegistry {
    var home: URL { folder.path("home") }

    /// An installer into `home` whose probe checks the extracted folder only (the fixture
    /// libraries are not loadable; CommandLineTests probe real plugins in a child process).
    func installer(probe: @escaping Installer.Probe = { folder in
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("plugin.json").path) else { throw MarketError(.probeFailed, "no plugin.json") }
    }) -> Installer {
        Installer(folder: home, probe: probe)
    }

    /// Every file under `home` with its bytes (symlinks as their targets), the lock included.
    func homeTree() -> [String: Data] {
        var result: [String: Data] = [:]
        for path in TemporaryFolder.listing(home) {
            let url = home.appendingPathComponent(path)
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                result[path] = Data("-> \(target)".utf8)
            } else {
                result[path] = (try? Data(contentsOf: url)) ?? Data()
            }
        }
        return result
    }

    func lock() throws -> LockFile { try LockFile.read(in: home) }

    func current(_ id: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: home.appendingPathComponent("plugins/\(id)/current").path)
    }

    /// Installs with consent given or refused, and returns what happened to each plugin.
    @discardableResult
    func install(_ id: String, _ range: String? = nil, consent: Bool = false, installer: Installer? = nil) async throws -> [Installer.Outcome] {
        try await (installer ?? self.installer()).install(id, range: range.map { try VersionRange($0) }, from: client(), source: "test", asking: { _ in consent })
    }
}
