import Benchmark
import Foundation
import Logging
import MarketCore
import PluginRuntime

/// Host → plugin call costs and the host's memory with the three example plugins loaded.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 1_000,
        maxDuration: .seconds(3),
        maxIterations: 2_000_000
    )
    let loaded = LoadedPlugins.shared

    // The cheapest crossing there is: the C plugin's entry point, through a function pointer
    // resolved with dlsym, 1,000 calls per measured iteration.
    Benchmark("ABI no-op call (C entry point)", configuration: .init(metrics: [.wallClock], scalingFactor: .kilo)) { benchmark in
        let entry = loaded.textkitEntry
        for _ in benchmark.scaledIterations { blackHole(entry(1 << 16)) }
    }

    // A tool call on the calling thread: argument check, sinks, the plugin's work, result
    // size cap and JSON check, String out. The argument is about 200 bytes of JSON.
    Benchmark("Tool call round trip, C plugin, 200-byte JSON, same thread") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try loaded.textkit.callToolBlocking("word_count", arguments: LoadedPlugins.arguments200))
        }
    }

    Benchmark("Tool call round trip, Rust plugin (seeded roll), same thread") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try loaded.dice.callToolBlocking("roll", arguments: #"{"count":3,"sides":6,"seed":7}"#))
        }
    }

    Benchmark("Tool call round trip, Swift plugin (Codable + kv), same thread") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try loaded.notes.callToolBlocking("events_seen", arguments: "{}"))
        }
    }

    // The same C call from async code: a hop to the instance's dedicated thread and back.
    Benchmark("Tool call round trip, C plugin, 200-byte JSON, via the instance thread") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await loaded.textkit.callTool("word_count", arguments: LoadedPlugins.arguments200))
        }
    }

    Benchmark("Host RSS with the three example plugins loaded",
              configuration: .init(metrics: [.custom("RSS before loading (KiB)", useScalingFactor: false),
                                             .custom("RSS with plugins (KiB)", useScalingFactor: false)],
                                   maxIterations: 5)) { benchmark in
        benchmark.measurement(.custom("RSS before loading (KiB)", useScalingFactor: false), loaded.rssBeforeKiB)
        benchmark.measurement(.custom("RSS with plugins (KiB)", useScalingFactor: false), LoadedPlugins.residentKiB())
    }
}

/// The three example plugins, loaded once and instantiated for one tenant.
final class LoadedPlugins: Sendable {
    static let shared = LoadedPlugins()
    static let arguments200 = #"{"text":"Market loads integrations as shared libraries through a stable C ABI; this sentence is here to make the argument about two hundred bytes long, like a typical tool call from a chat model."}"#

    let rssBeforeKiB: Int
    let textkit: PluginInstance
    let dice: PluginInstance
    let notes: PluginInstance
    let textkitEntry: @convention(c) (UInt32) -> UnsafeRawPointer?

    private init() {
        rssBeforeKiB = Self.residentKiB()
        let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MARKET_PLUGINS"]
            ?? FileManager.default.currentDirectoryPath + "/../.build/market-plugins")
        let runtime = PluginRuntime(services: HostServices(logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })))
        let made = Blocking.wait {
            (try await runtime.instantiate(try runtime.load(folder.appendingPathComponent("textkit")), tenantID: "bench"),
             try await runtime.instantiate(try runtime.load(folder.appendingPathComponent("dice")), tenantID: "bench"),
             try await runtime.instantiate(try runtime.load(folder.appendingPathComponent("notes")), tenantID: "bench"))
        }
        (textkit, dice, notes) = made
        // The library is already open (RTLD_NOLOAD finds it); this only resolves the symbol.
        let handle = dlopen(folder.appendingPathComponent("textkit/libtextkit.so").path, RTLD_NOW | RTLD_NOLOAD)
        textkitEntry = unsafeBitCast(dlsym(handle, "mk_plugin_entry_v1"), to: (@convention(c) (UInt32) -> UnsafeRawPointer?).self)
    }

    static func residentKiB() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }
}

/// Waits for async set-up work from synchronous code outside Swift's cooperative pool.
enum Blocking {
    static func wait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) -> T {
        let result = Box<Result<T, any Error>>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { result.value = .success(try await work()) } catch { result.value = .failure(error) }
            done.signal()
        }
        done.wait()
        switch result.value {
        case .success(let value)?: return value
        case .failure(let error)?: fatalError("benchmark set-up failed: \(error); run scripts/build-plugins.sh release first")
        case nil: fatalError("benchmark set-up produced nothing")
        }
    }

    /// Written by the task, read after the semaphore.
    final class Box<Value>: @unchecked Sendable {
        var value: Value?
    }
}
