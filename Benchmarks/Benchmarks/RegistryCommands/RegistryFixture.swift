import Foundation
import LoopbackSite
import Synchronization

/// A registry built once per benchmark run in a temporary folder: keys, `registry init`,
/// a 1 MB C plugin and 50 small ones built from the textkit source, `registry build`, the tree
/// served over HTTP on loopback by Python's http.server, and two state folders that use it —
/// one for timing installs, one with the 50 plugins installed for timing `list`.
final class RegistryFixture: Sendable {
    let folder: URL
    let market: URL
    let installHome: URL
    let listHome: URL
    private let server: StaticSite

    private static let made = Mutex<RegistryFixture?>(nil)

    /// The fixture, made on first use.
    static func shared() throws -> RegistryFixture {
        try made.withLock { made in
            if let made { return made }
            let fixture = try RegistryFixture()
            made = fixture
            return fixture
        }
    }

    private init() throws {
        let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
        let built: [String] = [root.appendingPathComponent(".build/release/market").path, root.appendingPathComponent(".build/debug/market").path]
        let candidates = [ProcessInfo.processInfo.environment["MARKET_BIN"]].compactMap { $0 } + built
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw FixtureError("build market first: swift build -c release --product market (in the repository root)")
        }
        market = URL(fileURLWithPath: binary)
        print("timing \(binary)")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("market-registry-bench-\(UUID().uuidString)")
        installHome = folder.appendingPathComponent("install-home")
        listHome = folder.appendingPathComponent("list-home")
        let plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)

        let source = try String(contentsOf: root.appendingPathComponent("Plugins/textkit/textkit.c"), encoding: .utf8)
        let manifest = try String(contentsOf: root.appendingPathComponent("Plugins/textkit/plugin.json"), encoding: .utf8)
        let include = root.appendingPathComponent("PluginAPI/include").path
        let ids = ["big"] + (1...50).map { String(format: "tk-%02d", $0) }
        for id in ids {
            let pluginFolder = plugins.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: pluginFolder, withIntermediateDirectories: true)
            let cFile = folder.appendingPathComponent("\(id).c")
            try source.replacingOccurrences(of: "\"textkit\", \"1.0.0\"", with: "\"\(id)\", \"1.0.0\"").write(to: cFile, atomically: true, encoding: .utf8)
            try manifest.replacingOccurrences(of: "\"id\": \"textkit\"", with: "\"id\": \"\(id)\"")
                .replacingOccurrences(of: "\"libtextkit.so\"", with: "\"lib\(id).so\"")
                .write(to: pluginFolder.appendingPathComponent("plugin.json"), atomically: true, encoding: .utf8)
            let library = pluginFolder.appendingPathComponent("lib\(id).so").path
            try Self.run("/usr/bin/cc", ["-std=c11", "-O1", "-fPIC", "-shared", "-fvisibility=hidden", "-I", include, cFile.path, "-o", library])
        }
        // 1 MB of random bytes in a section the loader never maps: the package is 1 MB
        // (incompressible), and the library still loads as textkit does.
        let padding = folder.appendingPathComponent("padding.bin")
        try Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255) }).write(to: padding)
        try Self.run("/usr/bin/objcopy", ["--add-section", ".market_padding=\(padding.path)", "--set-section-flags", ".market_padding=noload,readonly",
                                          plugins.appendingPathComponent("big/libbig.so").path])

        try Self.run(market.path, ["keygen", "--out", folder.appendingPathComponent("keys").path, "--name", "k"])
        let key = folder.appendingPathComponent("keys/k.key").path
        let site = folder.appendingPathComponent("site")
        try Self.run(market.path, ["registry", "init", site.path, "--root-key", key])
        try Self.run(market.path, ["registry", "build", site.path, "--key", key, "--plugins", plugins.path])
        let artifact = try FileManager.default.contentsOfDirectory(atPath: site.appendingPathComponent("artifacts").path).first { $0.hasPrefix("big-") } ?? ""
        let size = (try FileManager.default.attributesOfItem(atPath: site.appendingPathComponent("artifacts/\(artifact)").path)[.size] as? NSNumber)?.intValue ?? 0
        print("the big plugin's package is \(size) bytes")

        server = try StaticSite(serving: site)
        let port = server.port
        for home in [installHome, listHome] {
            try Self.run(market.path, ["registry", "add", "main", "http://127.0.0.1:\(port)", "--root", site.appendingPathComponent("root.json").path,
                                       "--state-dir", home.path])
        }
        for id in ids.dropFirst() { try Self.run(market.path, ["install", id, "--state-dir", listHome.path]) }
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs market with `arguments`; throws when it fails and `check` is set.
    ///
    /// Spawned and reaped directly: Foundation's `Process.waitUntilExit` polls every 50 ms on
    /// Linux, which would round every figure up to a multiple of 50 ms.
    @discardableResult
    func market(_ arguments: [String], check: Bool = true) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([market.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, market.path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw FixtureError("cannot start market: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exit = (status >> 8) & 0xff
        if check, status != 0 { throw FixtureError("market \(arguments.joined(separator: " ")) exited with status \(status)") }
        return exit
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
