import Foundation
import Logging
import MarketCore
import MarketHTTP
import PluginRuntime
import Synchronization

/// A built cloud CRM plugin, its manifest's network narrowed to loopback, for tenants "acme" and
/// "globex" of one account at the service's fake on an ephemeral port, and "initech" of another
/// account (the same fake named `localhost`, so that its requests are paced apart).
final class CloudCRMWorld: Sendable {
    let service: CloudCRMService
    let fake: Process
    let root: String
    let runtime: PluginRuntime
    let acme: PluginInstance
    let globex: PluginInstance
    let initech: PluginInstance

    private static let current = Mutex<CloudCRMWorld?>(nil)

    private init(service: CloudCRMService, fake: Process, root: String, runtime: PluginRuntime, acme: PluginInstance, globex: PluginInstance,
                 initech: PluginInstance) {
        self.service = service
        self.fake = fake
        self.root = root
        self.runtime = runtime
        self.acme = acme
        self.globex = globex
        self.initech = initech
    }

    static func start(_ service: CloudCRMService, root repository: URL, logger: Logger) async throws -> CloudCRMWorld {
        let fake = Process()
        fake.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        fake.arguments = ["python3", "-u", repository.appendingPathComponent("Tests/Fixtures/\(service.id)/server.py").path] + service.fakeArguments
        let output = Pipe()
        fake.standardOutput = output
        try fake.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let port = line.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }).flatMap({ Int($0.dropFirst(13)) }) else {
            fake.terminate()
            throw BenchFailure("the \(service.id) fake did not start: \(line)")
        }
        let root = "http://127.0.0.1:\(port)"
        let runtime = PluginRuntime(services: HostServices(logger: logger, keyValue: InMemoryKeyValueStore(), connections: FixedCredential(service.credential)))
        let library = try runtime.load(try loopbackCopy(of: repository.appendingPathComponent(".build/market-plugins/\(service.id)")))
        let config = service.settings(root)
        let world = CloudCRMWorld(service: service, fake: fake, root: root, runtime: runtime,
                                  acme: try await runtime.instantiate(library, tenantID: "acme", config: config),
                                  globex: try await runtime.instantiate(library, tenantID: "globex", config: config),
                                  initech: try await runtime.instantiate(library, tenantID: "initech",
                                                                         config: service.settings(root.replacingOccurrences(of: "127.0.0.1", with: "localhost"))))
        _ = try await world.acme.callTool("upsert_contact", arguments: #"{"name":"Ada","phone":"+7 916 123-45-67"}"#, context: "{}")
        current.withLock { $0 = world }
        return world
    }

    static func stopCurrent() async throws {
        guard let world = current.withLock({ $0 }) else { return }
        current.withLock { $0 = nil }
        await world.acme.close()
        await world.globex.close()
        await world.initech.close()
        await world.runtime.shutdown()
        kill(world.fake.processIdentifier, SIGKILL)  // a child may inherit an ignored SIGTERM
        world.fake.waitUntilExit()
    }

    /// amoCRM only. Durations in µs of `count` find_contact calls, each once the account's slot is free; of
    /// the same calls made on the calling thread (no hop to the plugin's thread and back, as the
    /// runtime never does it: to show what the hop costs); and of the same request sent straight
    /// with the host's HTTP client.
    ///
    /// Each of these follows 250 ms of quiet (six requests a second in all, under the account's seven), so it pays for cold caches and idle cores. The warm
    /// series does not: right after a call of acme's, the request sent straight, then a call to
    /// another account's instance (`initech`, paced apart).
    func measureOverhead(count: Int) async throws -> (calls: [Int], onThisThread: [Int], requests: [Int], warmCalls: [Int], warmRequests: [Int]) {
        precondition(service.id == "amocrm", "the request sent straight is amoCRM's")
        let client = HTTPClient()
        let url = try HTTPURL("\(root)/api/v4/contacts?limit=250&with=companies&query=9161234567")
        var calls: [Int] = []
        var requests: [Int] = []
        var onThisThread: [Int] = []
        var warmCalls: [Int] = []
        var warmRequests: [Int] = []
        for _ in 0..<count {
            try await Task.sleep(for: .milliseconds(250))
            let started = ContinuousClock.now
            _ = try await acme.callTool("find_contact", arguments: #"{"phone":"8 916 123 45 67"}"#, context: "{}")
            calls.append(Self.microseconds(ContinuousClock.now - started))
            try await Task.sleep(for: .milliseconds(250))
            let blocking = ContinuousClock.now
            _ = try acme.callToolBlocking("find_contact", arguments: #"{"phone":"8 916 123 45 67"}"#, context: "{}")
            onThisThread.append(Self.microseconds(ContinuousClock.now - blocking))
            try await Task.sleep(for: .milliseconds(250))
            let sent = ContinuousClock.now
            let response = try client.perform(HTTPRequest(url: url, headers: ["Authorization: Bearer \(service.credential)", "Accept: application/json"],
                                                          timeout: .seconds(10), maximumResponseBytes: 8 << 20))
            requests.append(Self.microseconds(ContinuousClock.now - sent))
            guard response.status == 200 else { throw BenchFailure("the fake answered \(response.status)") }

            try await Task.sleep(for: .milliseconds(250))
            _ = try await acme.callTool("find_contact", arguments: #"{"phone":"8 916 123 45 67"}"#, context: "{}")
            let warmSent = ContinuousClock.now
            _ = try client.perform(HTTPRequest(url: url, headers: ["Authorization: Bearer \(service.credential)", "Accept: application/json"],
                                               timeout: .seconds(10), maximumResponseBytes: 8 << 20))
            warmRequests.append(Self.microseconds(ContinuousClock.now - warmSent))
            let warm = ContinuousClock.now
            _ = try await initech.callTool("find_contact", arguments: #"{"phone":"8 916 123 45 67"}"#, context: "{}")
            warmCalls.append(Self.microseconds(ContinuousClock.now - warm))
        }
        return (calls, onThisThread, requests, warmCalls, warmRequests)
    }

    /// What the service saw of a burst.
    struct Burst {
        var seconds: Int
        var busiestSecond: Int
        var busiestTenSeconds: Int
        var refused: Int
        var failed: Int
        var requests: Int
    }

    /// `count` find_contact calls at once from both tenants (each by a name nobody has, so one
    /// request each); what the service saw.
    func burst(count: Int) async throws -> Burst {
        let started = ContinuousClock.now
        let failed = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<count {
                let instance = n % 2 == 0 ? acme : globex
                group.addTask { (try? await instance.callTool("find_contact", arguments: #"{"query":"n\#(n)"}"#, context: "{}", timeout: .seconds(1_200))) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        let elapsed = ContinuousClock.now - started
        let read = try HTTPClient().perform(HTTPRequest(url: try HTTPURL(root + service.requestLog.path), timeout: .seconds(30), maximumResponseBytes: 64 << 20))
        let log = try JSONValue(parsing: String(decoding: read.body, as: UTF8.self))
        guard case .array(let requests)? = service.requestLog.member.map({ log[$0] }) ?? log else { throw BenchFailure("no requests recorded") }
        let times = requests.compactMap { $0["t"]?.doubleValue }.sorted()
        let refused = requests.filter { $0["status"]?.doubleValue == Double(service.refusal) }.count
        return Burst(seconds: Int(elapsed.components.seconds), busiestSecond: Self.busiest(times, within: 1), busiestTenSeconds: Self.busiest(times, within: 10),
                     refused: refused, failed: failed, requests: requests.count)
    }

    /// The most of `times` (sorted, in seconds) within any window of `window` seconds.
    static func busiest(_ times: [Double], within window: Double) -> Int {
        var busiest = 0
        var start = 0
        for end in times.indices {
            while times[end] - times[start] >= window { start += 1 }
            busiest = max(busiest, end - start + 1)
        }
        return busiest
    }

    static func microseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1_000_000 + Int(duration.components.attoseconds / 1_000_000_000_000)
    }

    /// A copy of the bundle whose permissions.network names 127.0.0.1.
    static func loopbackCopy(of built: URL) throws -> URL {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-bench-\(built.lastPathComponent)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: built.path) where name != "plugin.json" {
            try FileManager.default.copyItem(at: built.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: built.appendingPathComponent("plugin.json"))) as? [String: Any] ?? [:]
        var permissions = manifest["permissions"] as? [String: Any] ?? [:]
        permissions["network"] = ["127.0.0.1", "localhost"]
        manifest["permissions"] = permissions
        try JSONSerialization.data(withJSONObject: manifest).write(to: folder.appendingPathComponent("plugin.json"))
        return folder
    }
}

/// The tenants' credential, as the host's connection store would give it.
private struct FixedCredential: ConnectionCredentials {
    let value: String
    init(_ value: String) { self.value = value }
    func accessToken(_ namespace: KeyValueNamespace) throws -> String { value }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
