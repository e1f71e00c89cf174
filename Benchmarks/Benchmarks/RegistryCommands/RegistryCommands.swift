import Benchmark
import Foundation

/// The user-facing registry commands, timed as a user runs them: the `market` executable in a
/// process of its own, against a registry served over HTTP on loopback.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock], timeUnits: .milliseconds, warmupIterations: 2,
                                           maxDuration: .seconds(20), maxIterations: 30)

    // Each run: market starts, updates the trusted metadata (timestamp, snapshot), reads the
    // index, downloads the 1 MB package, checks its hash, extracts it safely, verifies the
    // publisher's signature and every checksum, probe-loads the plugin in a child process
    // (`market plugin probe`), switches it in and writes market.lock. An uninstall after each
    // run (not timed) makes every install a fresh one.
    Benchmark("market install of a 1 MB plugin from a loopback registry (verify + extract + probe)") { benchmark in
        let fixture = try RegistryFixture.shared()
        try fixture.market(["install", "big", "--state-dir", fixture.installHome.path])
        // Not timed: what comes after an explicit stop is left out of the sample.
        benchmark.stopMeasurement()
        try fixture.market(["uninstall", "big", "--state-dir", fixture.installHome.path])
    }

    // market starts, reads market.lock with 50 entries and prints them.
    Benchmark("market list with 50 plugins installed") { _ in
        let fixture = try RegistryFixture.shared()
        try fixture.market(["list", "--state-dir", fixture.listHome.path])
    }
}
