import Foundation
import MarketCore
import MetricsTestKit
import PluginKit
import PluginRuntime
import Synchronization
import MarketTestSupport
import Testing

/// PluginKit end to end: a Swift plugin built from source, loaded with dlopen, driven through
/// every capability and host service.
@Suite struct PluginKitTests {
    /// A bundle around the probe library that SwiftPM built next to the tests.
    static func bundle() throws -> URL {
        let library = buildProductsDirectory.appendingPathComponent("libPluginKitProbe.so")
        try #require(FileManager.default.fileExists(atPath: library.path), "build it with `swift build --product PluginKitProbe` (the test command does)")
        let folder = try temporaryDirectory("probe")
        try FileManager.default.copyItem(at: library, to: folder.appendingPathComponent("libprobe.so"))
        let manifest: [String: Any] = [
            "id": "pluginkit-probe", "version": "2.1.0", "name": "Probe", "summary": "Exercises PluginKit.", "publisher": "tests",
            "license": "MIT", "kinds": ["tools", "events", "model", "ingress", "targets"], "language": "swift", "abi": "^1.1",
            "library": "libprobe.so", "toolchain": swiftToolchain,
            "permissions": ["network": ["127.0.0.1"], "secrets": ["token"], "ingress": true, "processes": ["cat", "sh"],
                            "events": ["subscribe": ["probe.*", "lead.*"], "emit": ["probe.toured"]]],
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("plugin.json"))
        return folder
    }

    struct Probe {
        let runtime: PluginRuntime
        let instance: PluginInstance
        let events: InMemoryEventLog
        let store: InMemoryKeyValueStore
        /// The clock the store reads expiries against.
        let clock: SettableClock
        let metrics: TestMetrics

        func close() async {
            await instance.close()
            await runtime.shutdown()
        }
    }

    func probe(config: String = #"{"greeting":"hi"}"#) async throws -> Probe {
        let events = InMemoryEventLog()
        let clock = SettableClock()
        let store = InMemoryKeyValueStore(now: { clock.now })
        let metrics = TestMetrics()
        let runtime = makeRuntime(events: events, keyValue: store, metrics: metrics)
        let instance = try await runtime.instantiate(try runtime.load(try Self.bundle()), tenantID: "t9", config: config,
                                                     secrets: ["token": "abcdef"])
        return Probe(runtime: runtime, instance: instance, events: events, store: store, clock: clock, metrics: metrics)
    }

    @Test func theDescriptorCarriesWhatTheTypeDeclares() async throws {
        let probe = try await probe()
        #expect(probe.instance.library.isConcurrent)
        #expect(probe.instance.library.toolchain == swiftToolchain)
        #expect(probe.instance.library.capabilities == ["market.tools/1", "market.model/1", "market.events/1", "market.ingress/1", "market.targets/1",
                                                        "market.event-batches/1", "market.connection-test/1"])
        await probe.close()
    }

    /// `ConnectionTestPlugin`: the steps cross as the host's report, quotes and all.
    @Test func aSwiftPluginsConnectionTestReachesTheHost() async throws {
        let probe = try await probe()
        let report = try await probe.instance.testConnection()
        #expect(report.steps.map(\.step) == ["config", "credentials"] && report.steps.map(\.ok) == [true, false], "\(report)")
        #expect(report.steps[0].detail == #"greeting is "hi""#)
        #expect(report.steps[1].detail.contains("market.connections/1") && !report.passed)
        await probe.close()
    }

    @Test func everyHostServiceWorksThroughPluginKit() async throws {
        let probe = try await probe()
        probe.runtime.services.replicas.update(3)
        let tour = try JSONValue(parsing: try await probe.instance.callTool("tour", arguments: "{}"))
        #expect(tour["replicas"] == .integer(3))
        #expect(tour["greeting"] == .string("hi"))
        #expect(tour["stored"] == .string("v1"))
        #expect(tour["removed"] == .bool(true))
        #expect(tour["keys"] == .array([.string("k1"), .string("k3")]))
        // k3 was stored for 60 seconds (ABI 1.6's put_expiring).
        let namespace = KeyValueNamespace(tenantID: "t9", pluginID: "pluginkit-probe")
        #expect(try probe.store.get(namespace, key: "k3") == Array("v3".utf8))
        probe.clock.advance(by: 61)
        #expect(try probe.store.get(namespace, key: "k3") == nil)
        #expect(try probe.store.keys(namespace, prefix: "k") == ["k1"])
        #expect(tour["zeroLifetimeRefused"] == .bool(true))
        #expect(tour["secretLength"] == .number(6))
        #expect(tour["cancelled"] == .bool(false))
        let event = try #require(probe.events.events.first)
        #expect(tour["eventID"] == .string(event.id))
        #expect(event.type == "probe.toured" && event.conversationID == "c-1" && event.tenantID == "t9")
        #expect(try probe.metrics.expectCounter("plugin_pluginkit_probe_tours_total", [("tenant", "t9"), ("kind", "full")]).totalValue == 1)
        await probe.close()
    }

    @Test func aThrownPluginErrorCrossesAsItsStatusAndMessage() async throws {
        let probe = try await probe()
        let error = await expectError(.pluginFailed) { try await probe.instance.callTool("refuse", arguments: "{}") }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "NOT_FOUND")
        #expect((error?.underlying as? PluginCallFailure)?.message == "nothing here")
        await probe.close()
    }

    @Test func aConfigurationThatDoesNotDecodeStopsCreation() async throws {
        let error = await expectError(.instanceFailed) { try await probe(config: "{}") }
        #expect(error?.message.contains("INVALID_ARGUMENT") == true)
    }

    @Test func everyEventOutcomeIsReported() async throws {
        let probe = try await probe()
        let deliver = { (type: String, data: String) in
            try await probe.instance.deliver(EventEnvelope(type: type, tenantID: "t9", data: data))
        }
        #expect(try await deliver("lead.created", #"{"name":"Ada"}"#) == .acknowledged)
        #expect(try probe.store.get(KeyValueNamespace(tenantID: "t9", pluginID: "pluginkit-probe"), key: "last-lead") == Array("Ada".utf8))
        #expect(try await deliver("probe.retry", "{}") == .retryLater("RETRY_LATER"))
        #expect(try await deliver("probe.reject", "{}") == .rejected(""))
        #expect(try await deliver("probe.fail", "{}") == .retryLater("the CRM is down"))
        guard case .retryLater(let message) = try await deliver("lead.created", #"{"wrong":1}"#) else {
            Issue.record("data that does not decode should be retried, as any thrown error")
            return
        }
        #expect(message.contains("name"))
        #expect(!probe.instance.subscribes(to: "note.added"))
        await probe.close()
    }

    @Test func aModelStreamsThroughDeltaStream() async throws {
        let probe = try await probe()
        let deltas = Mutex<[String]>([])
        let completion = try await probe.instance.complete(request: "{}") { delta in
            deltas.withLock { $0.append(delta) }
            return true
        }
        #expect(deltas.withLock { $0 } == [#"{"content":"Good"}"#, #"{"content":" day"}"#])
        #expect(try JSONValue(parsing: completion.resultJSON)["message"]?["content"] == .string("Good day"))
        let limited = await expectError(.pluginFailed) { try await probe.instance.complete(request: #"{"note":"overloaded"}"#) }
        #expect(limited?.message.contains("retry after 250 ms") == true)
        await expectError(.cancelled) { try await probe.instance.complete(request: "{}") { _ in false } }
        await probe.close()
    }

    @Test func targetsCrossIntactAndThrownErrorsBecomeOutcomes() async throws {
        let probe = try await probe()
        let request: JSONValue = .object(["action": .string("rotate_secret"), "settings": .object(["colour": .string("red")]),
                                          "now": .string("2026-12-07T10:00:00.250Z"), "overlap_seconds": .integer(60)])
        let prepared = try await probe.instance.prepareTarget(request)
        #expect(prepared.settings == .object(["colour": .string("red")]))
        #expect(prepared.secrets == .object(["action": .string("rotate_secret"), "now": .string("1796637600"), "overlap": .string("60")]))
        let refused = await expectError(.pluginFailed) { try await probe.instance.prepareTarget(.object(["action": .string("update")])) }
        #expect((refused?.underlying as? PluginCallFailure)?.statusName == "INVALID_ARGUMENT")
        await expectError(.pluginFailed) { try await probe.instance.prepareTarget(.object(["action": .string("delete")])) }

        let event = EventEnvelope(type: "lead.created", tenantID: "t9", data: "{}")
        func target(_ id: String) -> JSONValue {
            .object(["id": .string(id), "settings": .object(["colour": .string("blue")]), "secrets": .object([:]), "attempt": .integer(3)])
        }
        #expect(try await probe.instance.deliver(event, to: target("tgt_ok")) == TargetOutcome(
            verdict: .retry, retryAfterSeconds: 5, status: 429, durationMilliseconds: 3, response: "lead.created blue 3", error: "slow down"))
        #expect(try await probe.instance.deliver(event, to: target("tgt_down")) == TargetOutcome(verdict: .retry, error: "the destination is down"))
        #expect(try await probe.instance.deliver(event, to: target("tgt_bad")) == TargetOutcome(verdict: .failed, error: "never"))
        // The outcome object is written by hand: every character a response may hold comes back.
        let awkward = "q\"b\\s/ n\nr\rt\tc\u{1}\u{1F} é 😀"
        let echoed = JSONValue.object(["id": .string("tgt_ok"), "settings": .object(["colour": .string(awkward)]), "secrets": .object([:]), "attempt": .integer(1)])
        #expect(try await probe.instance.deliver(event, to: echoed).response == "lead.created \(awkward) 1")
        await probe.close()
    }

    @Test func ingressRequestsAndResponsesCrossIntact() async throws {
        let probe = try await probe()
        let response = try await probe.instance.handleIngress(method: "PUT", path: "/x?y=1", headers: [("a", "1"), ("b", "2")], body: [1, 2, 3])
        #expect(response.status == 202)
        #expect(response.headers == ["x-probe": "PUT"])
        #expect(String(decoding: response.body, as: UTF8.self) == "/x?y=1 2 3")
        await probe.close()
    }

    @Test func aDeclaredHelperProgramRunsWithPipes() async throws {
        let probe = try await probe()
        let echoed = try JSONValue(parsing: try await probe.instance.callTool(
            "helper", arguments: #"{"program":"cat","arguments":[],"input":"hello helper\n"}"#))
        #expect(echoed["output"] == .string("hello helper\n"))
        #expect(echoed["exit"] == .string("0"))
        // The helper sees only the variables it was given plus PATH, HOME and LANG.
        let environment = try JSONValue(parsing: try await probe.instance.callTool(
            "helper", arguments: #"{"program":"sh","arguments":["-c","read x; echo $PROBE ${DATABASE_URL:-none} ${MARKET_MASTER_KEY:-none}"],"input":"go\n"}"#))
        #expect(environment["output"] == .string("1 none none\n"))
        let refused = await expectError(.pluginFailed) {
            try await probe.instance.callTool("helper", arguments: #"{"program":"ls","arguments":[],"input":""}"#)
        }
        #expect((refused?.underlying as? PluginCallFailure)?.statusName == "PERMISSION_DENIED")
        await probe.close()
    }

    /// A helper gets only its three standard descriptors: a socket the host holds (a server's
    /// listener, a client's connection) must not stay open in it after the host closes it.
    @Test func aHelperInheritsNoDescriptorButItsPipes() async throws {
        let probe = try await probe()
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socket > 2)
        defer { close(socket) }
        let listed = try JSONValue(parsing: try await probe.instance.callTool(
            "helper", arguments: #"{"program":"sh","arguments":["-c","read x; ls /proc/self/fd"],"input":"go\n"}"#))
        guard case .string(let text)? = listed["output"] else {
            Issue.record("no listing in \(listed)")
            return
        }
        let descriptors = text.split(separator: "\n").compactMap { Int32($0) }
        #expect(descriptors.contains(0) && descriptors.contains(1) && descriptors.contains(2), "\(descriptors)")
        #expect(!descriptors.contains(socket), "the helper inherited the host's socket \(socket): \(descriptors)")
        await probe.close()
    }

    @Test func helpersStillRunningStopWithTheInstance() async throws {
        let probe = try await probe()
        let started = try JSONValue(parsing: try await probe.instance.callTool(
            "helper", arguments: #"{"program":"sh","arguments":["-c","read x; echo $$; exec sleep 60"],"input":"keep\n"}"#))
        #expect(started["exit"] == .string("running"))
        guard case .string(let text)? = started["output"], let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            Issue.record("no pid in \(started)")
            return
        }
        #expect(kill(pid, 0) == 0, "the helper should be running")
        await probe.close()
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the helper outlived its instance")
    }

    @Test func aStreamingFetchCanStopEarly() async throws {
        let server = try await HTTPServiceTests.LoopbackServer.start(bodyBytes: 4 << 20)
        let probe = try await probe()
        let result = try JSONValue(parsing: try await probe.instance.callTool(
            "stream", arguments: #"{"url":"http://127.0.0.1:\#(server.port)/file.txt","limit":1000}"#))
        #expect(result["stopped"] == .number(1))
        guard let seen = result["seen"]?.doubleValue else {
            Issue.record("no byte count in \(result)")
            return
        }
        #expect(seen >= 1000 && seen < Double(4 << 20), "the transfer went on after the plugin stopped it: \(seen) bytes")
        await probe.close()
    }

    @Test func fetchGoesThroughTheHostsHTTPClient() async throws {
        let server = try await HTTPServiceTests.LoopbackServer.start(bodyBytes: 321)
        let probe = try await probe()
        let result = try JSONValue(parsing: try await probe.instance.callTool("fetch", arguments: #"{"url":"http://127.0.0.1:\#(server.port)/file.txt"}"#))
        #expect(result == .object(["status": .string("200"), "length": .string("321"), "type": .string("text/plain")]))
        let streamed = try JSONValue(parsing: try await probe.instance.callTool(
            "stream", arguments: #"{"url":"http://127.0.0.1:\#(server.port)/file.txt","limit":100000}"#))
        #expect(streamed["status"] == .number(200))
        #expect(streamed["seen"] == .number(321))
        #expect(streamed["collected"] == .number(0))
        let denied = await expectError(.pluginFailed) { try await probe.instance.callTool("fetch", arguments: #"{"url":"http://localhost:\#(server.port)/"}"#) }
        #expect((denied?.underlying as? PluginCallFailure)?.statusName == "PERMISSION_DENIED")
        await probe.close()
    }
}
