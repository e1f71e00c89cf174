import Foundation
import MarketCore
import PluginKit

/// Writes a new plugin project from the SDK's template for one language.
struct Scaffold {
    enum Language: String, CaseIterable {
        case swift, c, rust
    }

    let language: Language
    let id: String
    let sdk: URL

    var displayName: String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    var substitutions: [(String, String)] {
        let typeName = id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "Plugin"
        return [
            ("__PLUGIN_ID__", id), ("__PLUGIN_NAME__", displayName), ("__LIB_NAME__", id.replacingOccurrences(of: "-", with: "_")),
            ("__TYPE_NAME__", typeName), ("__TOOLCHAIN__", swiftToolchain),
        ]
    }

    /// What the SDK contributes besides the template: destination in the project ← source in PluginAPI/.
    var sdkFiles: [(String, String)] {
        switch language {
        case .c: [("include/market", "include/market")]
        case .swift: [("SDK/MarketPluginAPI/include/market", "include/market"), ("SDK/MarketPluginAPI/abi", "abi"),
                      ("SDK/PluginKit", "PluginKit"), ("SDK/JSONScanning", "JSONScanning"), ("SDK/exports.map", "exports.map")]
        case .rust: []
        }
    }

    /// Creates the project in `destination`, which must not exist yet. The files are written
    /// to a temporary folder beside it and moved into place at the end, so a failure leaves
    /// nothing behind.
    func write(to destination: URL) throws {
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: destination.path) else {
            throw MarketError(.scaffoldFailed, "\(destination.path) already exists", fix: "choose another name or --output folder")
        }
        let staging = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).new-\(getpid())")
        do {
            try? fileManager.removeItem(at: staging)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            try render(template: sdk.appendingPathComponent("templates/\(language.rawValue)"), into: staging)
            for (target, source) in sdkFiles {
                let targetURL = staging.appendingPathComponent(target)
                try fileManager.createDirectory(at: targetURL.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fileManager.copyItem(at: sdk.appendingPathComponent(source), to: targetURL)
            }
            try fileManager.moveItem(at: staging, to: destination)
        } catch let error as MarketError {
            try? fileManager.removeItem(at: staging)
            throw error
        } catch {
            try? fileManager.removeItem(at: staging)
            throw MarketError(.scaffoldFailed, "could not write the project to \(destination.path)", fix: "check the folder's permissions and free space", underlying: error)
        }
    }

    private func render(template: URL, into root: URL) throws {
        let fileManager = FileManager.default
        guard let files = fileManager.enumerator(at: template, includingPropertiesForKeys: [.isRegularFileKey, .isExecutableKey]) else {
            throw MarketError(.sdkMissing, "the SDK has no \(language.rawValue) template at \(template.path)", fix: "reinstall Market or set MARKET_SDK")
        }
        for case let file as URL in files {
            let values = try file.resourceValues(forKeys: [.isRegularFileKey, .isExecutableKey])
            guard values.isRegularFile == true else { continue }
            let relative = String(file.standardizedFileURL.path.dropFirst(template.standardizedFileURL.path.count + 1))
            let target = root.appendingPathComponent(substitute(relative))
            try fileManager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(substitute(String(decoding: try Data(contentsOf: file), as: UTF8.self)).utf8).write(to: target)
            if values.isExecutable == true { try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target.path) }
        }
    }

    private func substitute(_ text: String) -> String {
        substitutions.reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }
}
