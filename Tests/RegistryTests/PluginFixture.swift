import Foundation

/// A plugin folder as a build leaves it: plugin.json and a library. Packing never loads the
/// library, so its bytes are arbitrary here.
enum PluginFixture {
    static func manifest(id: String, version: String, network: String = "api.example.com", dependencies: [String: String] = [:], abi: String = "^1.0") -> String {
        let needs = dependencies.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
        return """
        {"id": "\(id)", "version": "\(version)", "name": "Fixture \(id)", "summary": "A plugin for registry tests.",
         "publisher": "tests", "license": "MIT", "kinds": ["tools"], "language": "c", "abi": "\(abi)", "dependencies": {\(needs)},
         "library": "lib\(id).so", "permissions": {"network": ["\(network)"]},
         "tools": [{"name": "echo", "description": "Echoes its input."}]}
        """
    }

    @discardableResult
    static func make(in parent: URL, id: String = "demo", version: String = "1.0.0", library: Data = Data("ELF library bytes".utf8),
                     readme: String? = "# Demo\n", network: String = "api.example.com", dependencies: [String: String] = [:],
                     abi: String = "^1.0") throws -> URL {
        let folder = parent.appendingPathComponent("\(id)-\(version)-src")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(manifest(id: id, version: version, network: network, dependencies: dependencies, abi: abi).utf8).write(to: folder.appendingPathComponent("plugin.json"))
        try library.write(to: folder.appendingPathComponent("lib\(id).so"))
        if let readme { try Data(readme.utf8).write(to: folder.appendingPathComponent("README.md")) }
        return folder
    }
}
