import Foundation

/// The C test plugins of Tests/Fixtures (one folder each, holding `<name>.c` and `plugin.json`),
/// compiled from source as a third party's would be.
public enum FixturePlugin {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let headers = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("PluginAPI/include")

    /// Compiles fixture `name` with `defines` into the plugin folder `plugins/<name>` and returns it.
    @discardableResult
    public static func build(_ name: String, into plugins: URL, defines: [String] = []) async throws -> URL {
        let source = fixtures.appendingPathComponent(name), folder = plugins.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("plugin.json"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("plugin.json"), to: folder.appendingPathComponent("plugin.json"))
        let compiled = try await runProcess("/usr/bin/cc", [
            "-std=c11", "-O2", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Wextra", "-Werror", "-I", headers.path,
        ] + defines.map { "-D" + $0 } + [source.appendingPathComponent("\(name).c").path, "-o", folder.appendingPathComponent("lib\(name).so").path])
        guard compiled.status == 0 else { throw FixtureBuildFailure(name: name, output: compiled.stderr) }
        return folder
    }
}

/// A fixture plugin that did not compile, with the compiler's output.
public struct FixtureBuildFailure: Error, CustomStringConvertible {
    public let name: String
    public let output: String
    public var description: String { "Tests/Fixtures/\(name) did not compile: \(output)" }
}
