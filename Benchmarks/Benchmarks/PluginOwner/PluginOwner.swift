import Benchmark
import Foundation
import Logging
import MarketCore
import Synchronization

/// What the one owner of plugin identity adds to a tool call (goal ≤ 5 %): the built textkit's
/// `word_count` with a 200-byte argument, made (a) straight on the tenant's `PluginInstance`,
/// as the PluginCalls benchmark does, and (b) through the `ServingInstance` the engine holds
/// for a reply (the switch check against the owner's last resolution, the health record), on
/// the same instance. (c) also resolves through `PluginHost.serving` before every call, as the
/// engine does once per reply: the folder's `stat`s and the instance cache.
///
/// Both paths hop to the instance's thread and back, as every call from async code does. They
/// run in alternating batches in one process, so the machine's other load hits them alike; the
/// figures are each path's median batch.
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let plugins = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MARKET_PLUGINS"] ?? root.appendingPathComponent(".build/market-plugins").path)
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let arguments = #"{"text":"Market loads integrations as shared libraries through a stable C ABI; this sentence is here to make the argument about two hundred bytes long, like a typical tool call from a chat model."}"#
    let direct = BenchmarkMetric.custom("(a) straight on the PluginInstance (ns/call)", useScalingFactor: false)
    let owned = BenchmarkMetric.custom("(b) through ServingInstance (ns/call)", useScalingFactor: false)
    let resolved = BenchmarkMetric.custom("(c) PluginHost.serving + call (ns/call)", useScalingFactor: false)

    Benchmark("Tool call, C plugin, 200-byte JSON: straight vs through the plugin owner",
              configuration: .init(metrics: [direct, owned, resolved], warmupIterations: 0, maxDuration: .seconds(120), maxIterations: 1)) {
        (benchmark: Benchmark, world: OwnerWorld) in
        let (batch, rounds) = (2_000, 40)
        let clock = ContinuousClock()
        func perCall(_ body: () async throws -> Void) async throws -> Double {
            let start = clock.now
            for _ in 0..<batch { try await body() }
            return (clock.now - start).inSeconds * 1e9 / Double(batch)
        }
        let (instance, serving, host, installation) = (world.instance, world.serving, world.host, world.installation)
        let callDirect = { blackHole(try await instance.callTool("word_count", arguments: arguments)) }
        let callServing = { blackHole(try await serving.callTool("word_count", arguments: arguments).get()) }
        let callResolved = { blackHole(try await host.serving(installation).callTool("word_count", arguments: arguments).get()) }
        // Warm-up: code paths, caches and the instance thread.
        for _ in 0..<3 { _ = try await (perCall(callDirect), perCall(callServing), perCall(callResolved)) }

        var samples: (direct: [Double], serving: [Double], resolved: [Double]) = ([], [], [])
        for round in 0..<rounds {
            // The order turns each round, so neither path always runs first.
            if round.isMultiple(of: 2) {
                samples.direct.append(try await perCall(callDirect))
                samples.serving.append(try await perCall(callServing))
            } else {
                samples.serving.append(try await perCall(callServing))
                samples.direct.append(try await perCall(callDirect))
            }
            samples.resolved.append(try await perCall(callResolved))
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let (a, b, c) = (median(samples.direct), median(samples.serving), median(samples.resolved))
        benchmark.measurement(direct, Int(a.rounded()))
        benchmark.measurement(owned, Int(b.rounded()))
        benchmark.measurement(resolved, Int(c.rounded()))
        let percent = { (value: Double) in String(format: "%+.1f %%", (value - a) / a * 100) }
        print("""
            tool call word_count, 200-byte JSON, median of \(rounds) batches of \(batch) calls each:
              (a) straight on the PluginInstance:      \(Int(a.rounded())) ns/call
              (b) through ServingInstance (engine):    \(Int(b.rounded())) ns/call, \(percent(b)) vs (a) (goal ≤ +5 %)
              (c) PluginHost.serving + call, each call: \(Int(c.rounded())) ns/call, \(percent(c)) vs (a)
            """)
    } setup: {
        let world = try await OwnerWorld.start(plugins: plugins, logger: quiet)
        started.withLock { $0 = world }
        return world
    } teardown: {
        if let world = started.withLock({ $0 }) { try await world.stop() }
    }
}

/// What the setup made, for the teardown to stop.
private let started = Mutex<OwnerWorld?>(nil)
