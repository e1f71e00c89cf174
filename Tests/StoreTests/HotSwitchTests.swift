import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension DatabaseTests {
    /// A hot switch never fails a call: textkit 1.0.0 and 1.0.1 built from source, called
    /// without pause from several tasks (tools, and event deliveries) while the plugin's
    /// `current` link flips between them and the tenant's config and secrets change.
    @Suite struct HotSwitchTests {
        /// What the callers saw, and the switches: which version each switch put in place.
        final class Record: Sendable {
            struct Call: Sendable {
                /// The switches made before the call started and after it ended.
                let before: Int, after: Int
                let version: String
                let error: String?
            }
            let switches = Mutex<[String]>(["1.0.0"])
            let calls = Mutex<[Call]>([])
            let stop = Atomic<Bool>(false)
            /// The switches made before the latest call started.
            let latestStart = Mutex(0)

            var switchCount: Int { switches.withLock { $0.count - 1 } }

            func call(_ body: () async -> (version: String, error: String?)) async {
                let before = switchCount
                latestStart.withLock { $0 = max($0, before) }
                let (version, error) = await body()
                let call = Call(before: before, after: switchCount, version: version, error: error)
                calls.withLock { $0.append(call) }
            }
        }

        /// Makes `<state>/plugins/textkit/<version>` folders of textkit built from source,
        /// declaring a secret so that a secret's change can be tried too.
        static func build(_ versions: [String], in folder: URL) async throws -> URL {
            let plugin = folder.appendingPathComponent("state/plugins/textkit")
            try FileManager.default.createDirectory(at: plugin, withIntermediateDirectories: true)
            for version in versions {
                let built = try await FixturePlugin.textkit(version: version, in: folder).appendingPathComponent("textkit")
                let manifest = built.appendingPathComponent("plugin.json")
                try String(contentsOf: manifest, encoding: .utf8)
                    .replacingOccurrences(of: "\"permissions\": {", with: "\"permissions\": {\n    \"secrets\": [\"token\"],")
                    .write(to: manifest, atomically: true, encoding: .utf8)
                try FileManager.default.moveItem(at: built, to: plugin.appendingPathComponent(version))
            }
            return plugin
        }

        /// The version that ran a call, and its error if it failed.
        static func seen<Value>(_ outcome: PluginCallOutcome<Value>) -> (version: String, error: String?) {
            switch outcome.result {
            case .success: (outcome.library.version, nil)
            case .failure(let error): (outcome.library.version, "\(error)")
            }
        }

        /// Points `current` at `version` in one rename, as the installer switches.
        static func point(_ plugin: URL, at version: String) throws {
            let next = plugin.appendingPathComponent("current.next")
            try? FileManager.default.removeItem(at: next)
            try FileManager.default.createSymbolicLink(atPath: next.path, withDestinationPath: version)
            guard rename(next.path, plugin.appendingPathComponent("current").path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }

        @Test(.timeLimit(.minutes(3)))
        func callsFollowSwitchesAndSettingsChangesWithoutAFailure() async throws {
            let folder = try temporaryDirectory("hot-switch")
            defer { try? FileManager.default.removeItem(at: folder) }
            let plugin = try await Self.build(["1.0.0", "1.0.1"], in: folder)
            try Self.point(plugin, at: "1.0.0")

            let fixture = try await BusFixture.make(poolSize: 8)
            let world = try await AcmeTextkitHost.make(on: fixture, stateDirectory: folder.appendingPathComponent("state"))
            let (tenants, runtime, host) = (world.tenants, world.runtime, world.host)
            let subscriber = Subscriber(tenantID: "acme", pluginID: "textkit")

            // Without the handle, a switch fails a call: the instance a caller holds is closed.
            let held = try #require(try await host.enabledInstance(tenant: "acme", plugin: "textkit"))
            try Self.point(plugin, at: "1.0.1")
            _ = try await host.enabledInstance(tenant: "acme", plugin: "textkit")
            #expect(await eventually { (try? await held.instance.callTool("word_count", arguments: #"{"text":"a b"}"#)) == nil })
            let refused = await #expect(throws: MarketError.self) { try await held.instance.callTool("word_count", arguments: #"{"text":"a b"}"#) }
            #expect(refused?.code == .instanceClosed)
            try Self.point(plugin, at: "1.0.0")

            let record = Record()
            let callers = (0..<4).map { caller in
                Task {
                    while !record.stop.load(ordering: .relaxed) {
                        // Like one reply: a handle from a fresh read of the installation, a few calls.
                        guard let installation = try? await tenants.installation("textkit", tenant: "acme", by: .system),
                              let serving = try? await host.serving(installation) else {
                            await record.call { ("", "no handle") }
                            continue
                        }
                        for _ in 0..<5 {
                            await record.call {
                                let outcome = await serving.callTool("word_count", arguments: #"{"text":"one two \#(caller)"}"#)
                                return Self.seen(outcome)
                            }
                        }
                    }
                }
            }
            let deliveries = Task {
                while !record.stop.load(ordering: .relaxed) {
                    guard let target = await host.target(for: subscriber) as? HostedDeliveryTarget else {
                        await record.call { ("", "no delivery target") }
                        continue
                    }
                    await record.call {
                        let outcome = await target.serving.run { try await $0.deliver(EventEnvelope(type: "lead.created", tenantID: "acme", data: "{}")) }
                        return Self.seen(outcome)
                    }
                }
            }

            // Switches of the library and of the settings, each while calls are in flight.
            var version = "1.0.0"
            // The next switch waits (up to 20 s) for a call to start after the last one: on a
            // loaded machine an instance made anew can take longer than the pause between two
            // switches, and the check below is that callers go on, not how fast they do.
            func callStartedSinceLastSwitch() async throws {
                let limit = ContinuousClock.now + .seconds(20)
                while record.latestStart.withLock({ $0 }) < record.switchCount, ContinuousClock.now < limit {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            for round in 0..<6 {
                try await Task.sleep(for: .milliseconds(150))
                if round > 0 { try await callStartedSinceLastSwitch() }
                version = version == "1.0.0" ? "1.0.1" : "1.0.0"
                try Self.point(plugin, at: version)
                // What the reconciler does after it switched: the owner resolves the plugin again.
                _ = try host.library(id: "textkit")
                record.switches.withLock { $0.append(version) }
                try await Task.sleep(for: .milliseconds(100))
                if round.isMultiple(of: 2) {
                    _ = try await tenants.configure("textkit", tenant: "acme", with: .object([:]), by: .system)
                } else {
                    try await tenants.setSecret("token", value: "secret-\(round)", plugin: "textkit", tenant: "acme", by: .system)
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            try await callStartedSinceLastSwitch()
            record.stop.store(true, ordering: .relaxed)
            for caller in callers { await caller.value }
            await deliveries.value

            let calls = record.calls.withLock { $0 }
            let versions = record.switches.withLock { $0 }
            // The callers kept calling through the switches: calls started after each of them (a
            // count of calls would measure the machine's speed, which a benchmark does, not this).
            // Before the first there may be none: the first calls make the instance, which under
            // load takes longer than the 150 ms before the first switch.
            let startedAfter = Set(calls.map(\.before))
            #expect(Set(1..<versions.count).isSubset(of: startedAfter), "calls started after switches \(startedAfter.sorted()) of \(versions.count - 1)")
            #expect(calls.filter { $0.error != nil }.isEmpty, "failed: \(calls.compactMap(\.error).prefix(5))")
            // A call runs the library in place when it started, or one put in place while it ran.
            let misplaced = calls.filter { !versions[$0.before...$0.after].contains($0.version) }
            #expect(misplaced.isEmpty, "\(misplaced.prefix(5).map { "\($0.version) during switches \($0.before)…\($0.after)" })")
            let afterLast = calls.filter { $0.before == versions.count - 1 }
            #expect(!afterLast.isEmpty && afterLast.allSatisfy { $0.version == version }, "every call after the last switch ran \(version)")

            // A secret's change alone gives the tenant a new instance.
            let before = try #require(try await host.enabledInstance(tenant: "acme", plugin: "textkit"))
            try await tenants.setSecret("token", value: "another", plugin: "textkit", tenant: "acme", by: .system)
            let after = try #require(try await host.enabledInstance(tenant: "acme", plugin: "textkit"))
            #expect(after.instance !== before.instance)

            await host.closeAll()
            await runtime.shutdown()
            await fixture.shutdown()
        }
    }
}
