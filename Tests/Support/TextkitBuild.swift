import Foundation

extension FixturePlugin {
    static let repository = fixtures.deletingLastPathComponent().deletingLastPathComponent()

    /// A folder of plugin folders holding the first-party textkit built from
    /// Plugins/textkit/textkit.c as `version` (its descriptor and manifest say so), for tests
    /// that publish, install and update real versions. `replacing` changes its source, text for
    /// text (a version that fails on purpose).
    public static func textkit(version: String, in folder: URL, replacing: [String: String] = [:]) async throws -> URL {
        let plugins = folder.appendingPathComponent("textkit-\(version)")
        let copy = plugins.appendingPathComponent("textkit")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        var source = try String(contentsOf: repository.appendingPathComponent("Plugins/textkit/textkit.c"), encoding: .utf8)
        for (text, replacement) in replacing {
            precondition(source.contains(text), "textkit.c has no \(text)")
            source = source.replacingOccurrences(of: text, with: replacement)
        }
        let patched = folder.appendingPathComponent("textkit-\(version).c")
        try source.replacingOccurrences(of: "\"textkit\", \"1.0.0\"", with: "\"textkit\", \"\(version)\"").write(to: patched, atomically: true, encoding: .utf8)
        let compiled = try await runProcess("/usr/bin/cc", ["-std=c11", "-O2", "-fPIC", "-shared", "-fvisibility=hidden",
                                                            "-I", headers.path, patched.path, "-o", copy.appendingPathComponent("libtextkit.so").path])
        guard compiled.status == 0 else { throw FixtureBuildFailure(name: "textkit", output: compiled.stderr) }
        let manifest = try String(contentsOf: repository.appendingPathComponent("Plugins/textkit/plugin.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"version\": \"1.0.0\"", with: "\"version\": \"\(version)\"")
        try manifest.write(to: copy.appendingPathComponent("plugin.json"), atomically: true, encoding: .utf8)
        return plugins
    }
}
