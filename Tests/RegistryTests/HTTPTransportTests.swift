import Foundation
import MarketCore
import MarketRegistry
import Testing

/// The client over real HTTP on loopback, through libcurl.
@Suite struct HTTPTransportTests {
    private func client(_ registry: TestRegistry, _ server: LoopbackServer, retries: Int = 2) throws -> RegistryClient {
        _ = try registry.client()
        return RegistryClient(transport: HTTPTransport(base: server.baseURL, connectTimeout: .seconds(2), timeout: .seconds(30), retries: retries),
                              state: TrustedState(folder: registry.stateFolder), now: registry.now)
    }

    @Test func theChainVerifiesAndAPackageDownloadsOverHTTP() async throws {
        let registry = try TestRegistry()
        try registry.publish("demo", "1.0.0")
        let server = try LoopbackServer(serving: registry.tree)
        defer { server.stop() }
        let client = try client(registry, server)
        let verified = try await client.update()
        let index = try await client.index("demo", verified)
        let artifact = try #require(index.entry("1.0.0")?.artifact(for: Platform.host()))
        let download = registry.folder.path("download.mkpkg")
        try await client.download(artifact, to: download)
        #expect(try Data(contentsOf: download) == Data(contentsOf: registry.tree.appendingPathComponent(artifact.file)))
        #expect(server.requests.starts(with: ["roots/2.json", "timestamp.json", "snapshot.json", "index/demo.json"]))
    }

    @Test func aFailingServerIsRetried() async throws {
        let registry = try TestRegistry()
        let server = try LoopbackServer(serving: registry.tree, failFirst: 2)
        defer { server.stop() }
        _ = try await client(registry, server, retries: 2).update()
        #expect(server.requests.prefix(3) == ["roots/2.json", "roots/2.json", "roots/2.json"])
    }

    @Test func anUnreachableRegistryIsFETCH_FAILEDAndTheStateIsUnchanged() async throws {
        let registry = try TestRegistry()
        let server = try LoopbackServer(serving: registry.tree)
        server.stop()
        let client = try client(registry, server, retries: 1)
        let before = try registry.stateBytes()
        let error = await #expect(throws: MarketError.self) { try await client.update() }
        #expect(error?.code == .fetchFailed)
        #expect(try registry.stateBytes() == before)
    }

    @Test func aFileLongerThanItsPinIsHASH_MISMATCH() async throws {
        let registry = try TestRegistry()
        let snapshot = registry.tree.appendingPathComponent("snapshot.json")
        try (Data(contentsOf: snapshot) + Data(repeating: 0x20, count: 100_000)).write(to: snapshot)
        let server = try LoopbackServer(serving: registry.tree)
        defer { server.stop() }
        let error = await #expect(throws: MarketError.self) { try await client(registry, server).update() }
        #expect(error?.code == .hashMismatch)
    }

    @Test func aServerTricklingBytesIsGivenUpAtTheMinimumSpeed() async throws {
        let registry = try TestRegistry()
        _ = try registry.client()
        let server = try LoopbackServer(serving: registry.tree, trickling: RegistryLayout.timestamp)
        defer { server.stop() }
        let transport = HTTPTransport(base: server.baseURL, connectTimeout: .seconds(2), timeout: .seconds(120), retries: 1,
                                      minimumBytesPerSecond: 100, slowWindow: .seconds(1))
        let started = ContinuousClock.now
        let error = await #expect(throws: MarketError.self) { try await transport.fetch(RegistryLayout.timestamp, maximumBytes: 1 << 20) }
        #expect(error?.code == .fetchFailed)
        // Two attempts of about a second each (more on a loaded machine), far from the 120 s deadline.
        #expect(ContinuousClock.now - started < .seconds(45), "two attempts of about a second each, not the 120 s deadline")
    }

    @Test func retriesStopAtTheDeadlineOfTheFile() async throws {
        let registry = try TestRegistry()
        _ = try registry.client()
        let server = try LoopbackServer(serving: registry.tree, trickling: RegistryLayout.timestamp)
        defer { server.stop() }
        // A byte a second passes the minimum speed; only the deadline ends the transfer.
        let transport = HTTPTransport(base: server.baseURL, connectTimeout: .seconds(2), timeout: .seconds(3), retries: 5,
                                      minimumBytesPerSecond: 1, slowWindow: .seconds(30))
        let started = ContinuousClock.now
        let error = await #expect(throws: MarketError.self) { try await transport.fetch(RegistryLayout.timestamp, maximumBytes: 1 << 20) }
        #expect(error?.code == .fetchFailed)
        #expect(ContinuousClock.now - started < .seconds(12), "the 3 s deadline covers every attempt")
    }
}
