import Foundation
import Logging
import MarketCore
import MetricsTestKit
import PluginRuntime
import Synchronization
import MarketTestSupport
import Testing

/// The log and metrics services, and the file-backed key-value store.
@Suite struct ServiceTests {
    /// Keeps every log record, with the logger's metadata merged in, for assertions.
    struct RecordingLogHandler: LogHandler {
        struct Record: Sendable {
            let level: Logger.Level
            let message: String
            let metadata: [String: String]
        }

        final class Records: Sendable {
            let all = Mutex<[Record]>([])
        }

        let records = Records()
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) { flat[key] = "\(value)" }
            records.all.withLock { $0.append(Record(level: event.level, message: "\(event.message)", metadata: flat)) }
        }
    }

    @Test func pluginLogsCarryThePluginAndTenantWhichCannotBeOverwritten() async throws {
        let handler = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let runtime = makeRuntime(logger: logger)
        let instance = try await runtime.instantiate(try runtime.load(try await buildFixture()), tenantID: "acme")
        _ = try await instance.callTool("log", arguments: "{}")
        let record = try #require(handler.records.all.withLock { $0 }.first { $0.message == "fixture says hello" })
        #expect(record.level == .warning)
        #expect(record.metadata["plugin"] == "fixture")
        #expect(record.metadata["tenant"] == "acme")
        #expect(record.metadata["step"] == "one")
        #expect(record.metadata["n"] == "3")
        await instance.close()
        await runtime.shutdown()
    }

    @Test func metricsAreNamedForThePluginAndLabelledWithTheTenant() async throws {
        let metrics = TestMetrics()
        let runtime = makeRuntime(metrics: metrics)
        let instance = try await runtime.instantiate(try runtime.load(try await buildFixture()), tenantID: "acme")
        let result = try JSONValue(parsing: try await instance.callTool("metric", arguments: "{}"))
        // A name recorded as another kind is refused: a Prometheus registry would stop the process.
        #expect(result == .object(["ok": .number(0), "bad_name": .number(1), "spoofed": .number(1), "negative": .number(1), "other_kind": .number(1)]))
        // Without a floating-point counter of its own, the test factory accumulates into an integer one.
        let counter = try metrics.expectCounter("plugin_fixture_calls_total", [("tenant", "acme"), ("route", "a")])
        #expect(counter.totalValue == 2)
        let gauge = try metrics.expectGauge("plugin_fixture_queue_depth", [("tenant", "acme")])
        #expect(gauge.lastValue == 7)
        let histogram = try metrics.expectRecorder("plugin_fixture_latency_seconds", [("tenant", "acme")])
        #expect(histogram.lastValue == 0.25)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func theFileStoreKeepsBytesPerNamespaceAcrossInstances() throws {
        let root = try temporaryDirectory("kv")
        let alice = KeyValueNamespace(tenantID: "alice", pluginID: "notes")
        let bob = KeyValueNamespace(tenantID: "bob", pluginID: "notes")
        let binary: [UInt8] = [0, 255, 10, 13, 0x80]
        do {
            let store = try FileKeyValueStore(root: root)
            try store.put(alice, key: "b/2", value: binary)
            try store.put(alice, key: "a/1", value: Array("one".utf8))
            try store.put(bob, key: "a/1", value: Array("bob".utf8))
            try store.remove(alice, key: "missing")
        }
        let reopened = try FileKeyValueStore(root: root)
        #expect(try reopened.get(alice, key: "b/2") == binary)
        #expect(try reopened.get(bob, key: "a/1") == Array("bob".utf8))
        #expect(try reopened.keys(alice, prefix: "") == ["a/1", "b/2"])
        #expect(try reopened.keys(alice, prefix: "a/") == ["a/1"])
        try reopened.remove(alice, key: "a/1")
        #expect(try FileKeyValueStore(root: root).get(alice, key: "a/1") == nil)
        // Writes replace whole files; nothing temporary is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted().allSatisfy { $0.hasSuffix(".json") })
    }

    @Test func theFileStoreForgetsAnExpiredKeyAndDropsItAtTheNextWrite() throws {
        let root = try temporaryDirectory("kv-expiry")
        let clock = SettableClock()
        let namespace = KeyValueNamespace(tenantID: "t", pluginID: "crm")
        do {
            let store = try FileKeyValueStore(root: root, now: { clock.now })
            try store.put(namespace, key: "seen/1", value: [1], expiresAfter: 60)
            try store.put(namespace, key: "stage/1", value: [2])
        }
        let reopened = try FileKeyValueStore(root: root, now: { clock.now })
        #expect(try reopened.get(namespace, key: "seen/1") == [1])
        clock.advance(by: 61)
        #expect(try reopened.get(namespace, key: "seen/1") == nil)
        #expect(try reopened.keys(namespace, prefix: "") == ["stage/1"])
        try reopened.put(namespace, key: "stage/2", value: [3])
        let file = try #require(try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil).first)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(!text.contains("seen/1"), "\(text)")
    }

    @Test func aStoreFileOfTheEarlierFormIsStillRead() throws {
        let root = try temporaryDirectory("kv-earlier")
        let namespace = KeyValueNamespace(tenantID: "t", pluginID: "notes")
        try FileKeyValueStore(root: root).put(namespace, key: "a", value: [0])
        let file = try #require(try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil).first)
        // Values alone, base64, as files were written before expiries: "values" is an ordinary key there.
        try Data(#"{"a":"AQI=","values":"Aw=="}"#.utf8).write(to: file)
        let store = try FileKeyValueStore(root: root)
        #expect(try store.get(namespace, key: "a") == [1, 2])
        #expect(try store.get(namespace, key: "values") == [3])
        #expect(try store.keys(namespace, prefix: "") == ["a", "values"])
    }

    @Test func aCorruptStoreFileIsReportedNotIgnored() async throws {
        let root = try temporaryDirectory("kv-corrupt")
        let store = try FileKeyValueStore(root: root)
        let namespace = KeyValueNamespace(tenantID: "t", pluginID: "p")
        try store.put(namespace, key: "k", value: [1])
        let file = try #require(try FileManager.default.contentsOfDirectory(at: root, includingPropertiesForKeys: nil).first)
        try Data("{not json".utf8).write(to: file)
        await expectError(.ioFailed) { try FileKeyValueStore(root: root).get(namespace, key: "k") }
    }
}
