import Benchmark
import Foundation
import Logging

/// The amocrm plugin against the loopback amoCRM (Tests/Fixtures/amocrm/server.py):
///
/// - what a tool call adds to amoCRM's own answer (goal: p50 ≤ 200 µs): `find_contact` by phone
///   (one request, the answer narrowed and turned into contract records), each call made once its
///   slot under the rate limit is free, minus the same request sent straight with the host's HTTP
///   client — what is left is the runtime, the ABI crossing, the plugin's JSON work and the pacer;
/// - a burst of 1,000 calls from two tenants on one account: the busiest second at amoCRM (its
///   limit is 7 requests a second), requests it refused, and calls that failed.
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let overhead = BenchmarkMetric.custom("tool call minus its request p50 (µs)", useScalingFactor: false)
    let call = BenchmarkMetric.custom("tool call p50 (µs)", useScalingFactor: false)
    let direct = BenchmarkMetric.custom("the request alone p50 (µs)", useScalingFactor: false)
    let hop = BenchmarkMetric.custom("of which the hop to the plugin's thread p50 (µs)", useScalingFactor: false)
    let busiest = BenchmarkMetric.custom("busiest second at amoCRM (requests)", useScalingFactor: false)
    let refused = BenchmarkMetric.custom("requests refused with 429", useScalingFactor: false)
    let failed = BenchmarkMetric.custom("calls failed", useScalingFactor: false)

    Benchmark("amocrm find_contact: what the call adds to amoCRM's answer (200 calls)",
              configuration: .init(metrics: [overhead, call, direct, hop], maxDuration: .seconds(120), maxIterations: 1)) { (benchmark: Benchmark, world: AmoWorld) in
        let (calls, onThisThread, requests) = try await world.measureOverhead(count: 200)
        let p50 = { (values: [Int]) in values.sorted()[values.count / 2] }
        benchmark.measurement(call, p50(calls))
        benchmark.measurement(direct, p50(requests))
        benchmark.measurement(overhead, p50(calls) - p50(requests))
        benchmark.measurement(hop, p50(calls) - p50(onThisThread))
        print("amocrm find_contact: call p50 \(p50(calls)) µs, the request alone p50 \(p50(requests)) µs, difference \(p50(calls) - p50(requests)) µs;"
              + " the same call on the calling thread p50 \(p50(onThisThread)) µs")
    } setup: {
        try await AmoWorld.start(root: root, logger: quiet)
    } teardown: {
        try await AmoWorld.stopCurrent()
    }

    Benchmark("amocrm: a burst of 1,000 calls from two tenants on one account",
              configuration: .init(metrics: [busiest, refused, failed], maxDuration: .seconds(400), maxIterations: 1)) { (benchmark: Benchmark, world: AmoWorld) in
        let outcome = try await world.burst(count: 1_000)
        benchmark.measurement(busiest, outcome.busiest)
        benchmark.measurement(refused, outcome.refused)
        benchmark.measurement(failed, outcome.failed)
        print("amocrm burst of 1,000 calls: \(outcome.seconds) s, busiest second \(outcome.busiest) requests, \(outcome.refused) refused, \(outcome.failed) calls failed")
    } setup: {
        try await AmoWorld.start(root: root, logger: quiet)
    } teardown: {
        try await AmoWorld.stopCurrent()
    }
}
