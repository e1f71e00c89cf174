import Benchmark
import Foundation
import Logging

/// The cloud CRM plugins against their loopback fakes (Tests/Fixtures/<id>/server.py):
///
/// - what an amocrm tool call adds to amoCRM's own answer (goal: p50 ≤ 200 µs): `find_contact`
///   by phone (one request, the answer narrowed and turned into contract records), each call
///   made once its slot under the rate limit is free, minus the same request sent straight with
///   the host's HTTP client — what is left is the runtime, the ABI crossing, the plugin's JSON
///   work and the pacer; and, of that, the hop to the plugin's thread and back. Each after 250 ms
///   of quiet (cold caches, idle cores), and again warm: another account's call right after one;
/// - for amoCRM, Bitrix24 and HubSpot, a burst of 1,000 calls from two tenants on one account:
///   the busiest 1-second and 10-second windows at the service, the requests it refused over its
///   limit, and calls that failed (goal: no refusal, no failure).
let benchmarks: @Sendable () -> Void = {
    let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).deletingLastPathComponent()
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
    let overhead = BenchmarkMetric.custom("tool call minus its request p50 (µs)", useScalingFactor: false)
    let call = BenchmarkMetric.custom("tool call p50 (µs)", useScalingFactor: false)
    let direct = BenchmarkMetric.custom("the request alone p50 (µs)", useScalingFactor: false)
    let hop = BenchmarkMetric.custom("of which the hop to the plugin's thread p50 (µs)", useScalingFactor: false)
    // A difference can be negative, which the table leaves out: the warm series shows both sides.
    let warmRequest = BenchmarkMetric.custom("warm: the request alone p50 (µs)", useScalingFactor: false)
    let warmCall = BenchmarkMetric.custom("warm: tool call p50 (µs)", useScalingFactor: false)

    Benchmark("amocrm find_contact: what the call adds to amoCRM's answer (200 calls)",
              configuration: .init(metrics: [overhead, call, direct, hop, warmCall, warmRequest], warmupIterations: 0, maxDuration: .seconds(300),
                                   maxIterations: 1)) { (benchmark: Benchmark, world: CloudCRMWorld) in
        let (calls, onThisThread, requests, warmCalls, warmRequests) = try await world.measureOverhead(count: 200)
        let p50 = { (values: [Int]) in values.sorted()[values.count / 2] }
        benchmark.measurement(call, p50(calls))
        benchmark.measurement(direct, p50(requests))
        benchmark.measurement(overhead, p50(calls) - p50(requests))
        benchmark.measurement(hop, p50(calls) - p50(onThisThread))
        benchmark.measurement(warmCall, p50(warmCalls))
        benchmark.measurement(warmRequest, p50(warmRequests))
        print("amocrm find_contact: call p50 \(p50(calls)) µs, the request alone p50 \(p50(requests)) µs, difference \(p50(calls) - p50(requests)) µs;"
              + " the same call on the calling thread p50 \(p50(onThisThread)) µs; warm: call p50 \(p50(warmCalls)) µs,"
              + " request p50 \(p50(warmRequests)) µs, difference \(p50(warmCalls) - p50(warmRequests)) µs")
    } setup: {
        try await CloudCRMWorld.start(.amocrm, root: root, logger: quiet)
    } teardown: {
        try await CloudCRMWorld.stopCurrent()
    }

    let busiestSecond = BenchmarkMetric.custom("busiest second at the service (requests)", useScalingFactor: false)
    let busiestTen = BenchmarkMetric.custom("busiest 10 seconds at the service (requests)", useScalingFactor: false)
    let refused = BenchmarkMetric.custom("requests refused over the limit", useScalingFactor: false)
    let failed = BenchmarkMetric.custom("calls failed", useScalingFactor: false)
    for service in [CloudCRMService.amocrm, .bitrix24, .hubspot] {
        Benchmark("\(service.id): a burst of 1,000 calls from two tenants on one account",
                  configuration: .init(metrics: [busiestSecond, busiestTen, refused, failed], warmupIterations: 0, maxDuration: .seconds(1_200), maxIterations: 1)) { (benchmark: Benchmark, world: CloudCRMWorld) in
            let outcome = try await world.burst(count: 1_000)
            benchmark.measurement(busiestSecond, outcome.busiestSecond)
            benchmark.measurement(busiestTen, outcome.busiestTenSeconds)
            benchmark.measurement(refused, outcome.refused)
            benchmark.measurement(failed, outcome.failed)
            print("\(service.id) burst of 1,000 calls: \(outcome.seconds) s, \(outcome.requests) requests, busiest second \(outcome.busiestSecond),"
                  + " busiest 10 s \(outcome.busiestTenSeconds) (limit: \(service.limit)), \(outcome.refused) refused, \(outcome.failed) calls failed")
        } setup: {
            try await CloudCRMWorld.start(service, root: root, logger: quiet)
        } teardown: {
            try await CloudCRMWorld.stopCurrent()
        }
    }
}
