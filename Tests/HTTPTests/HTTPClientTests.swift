import Foundation
import HTTPTypes
import Hummingbird
@testable import MarketHTTP
import NIOCore
import Synchronization
import Testing

/// The host's one HTTP client against Hummingbird servers on loopback.
@Suite struct HTTPClientTests {
    let client = HTTPClient()

    private func get(_ url: String, maximumBytes: Int64 = 1 << 20, timeout: Duration = .seconds(30)) throws -> MarketHTTP.HTTPRequest {
        MarketHTTP.HTTPRequest(url: try HTTPURL(url), timeout: timeout, maximumResponseBytes: maximumBytes)
    }

    private func failure(_ body: () async throws -> MarketHTTP.HTTPResponse) async -> MarketHTTP.HTTPError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? MarketHTTP.HTTPError
        }
    }

    @Test func aOnceValueIsComputedOnceUnderConcurrentFirstUse() async throws {
        let computed = Atomic(0)
        let once = Once<Int> {
            // Long enough for every other thread to arrive while the first computes.
            usleep(50_000)
            return computed.add(1, ordering: .relaxed).newValue
        }
        let seen = Mutex<[Int]>([])
        let threads = 32
        let finished = Atomic(0)
        for _ in 0..<threads {
            Thread.detachNewThread {
                let value = once.value
                seen.withLock { $0.append(value) }
                finished.add(1, ordering: .relaxed)
            }
        }
        while finished.load(ordering: .relaxed) < threads { try await Task.sleep(for: .milliseconds(10)) }
        #expect(computed.load(ordering: .relaxed) == 1)
        #expect(seen.withLock { $0 } == Array(repeating: 1, count: threads))
    }

    @Test func libcurlIsSetUpOnceWhateverTheClientsAndThreads() async throws {
        try await withLiveServer({ $0.get("/hello") { _, _ in "hello" } }) { base in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<24 {
                    group.addTask {
                        let url = "\(base)/hello"
                        // Half on the multi loop, half blocking on threads of their own.
                        if index.isMultiple(of: 2) { return try await HTTPClient().send(try self.get(url)).status }
                        return try await withCheckedThrowingContinuation { continuation in
                            Thread.detachNewThread { continuation.resume(with: Result { try HTTPClient().perform(try self.get(url)).status }) }
                        }
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
        }
        #expect(CurlGlobal.initCalls.load(ordering: .relaxed) == 1)
    }

    @Test func aBodyUpToTheCapIsKeptAndOneByteMoreIsTooLarge() async throws {
        try await withLiveServer({ $0.get("/big") { _, _ in String(repeating: "b", count: 2000) } }) { base in
            let kept = try await client.send(try get("\(base)/big", maximumBytes: 2000))
            #expect(kept.body.count == 2000)
            let error = await failure { try await client.send(try get("\(base)/big", maximumBytes: 1999)) }
            #expect(error?.kind == .tooLarge)
            let blocking = await failure { try client.perform(try get("\(base)/big", maximumBytes: 1999)) }
            #expect(blocking?.kind == .tooLarge)
        }
    }

    @Test func aServerSlowerThanTheMinimumSpeedIsGivenUp() async throws {
        try await withLiveServer({ $0.get("/drip") { _, _ in Response(status: .ok, body: drip(60)) } }) { base in
            let started = ContinuousClock.now
            let error = await failure {
                var slow = try get("\(base)/drip", timeout: .seconds(60))
                slow.minimumSpeed = .init(bytesPerSecond: 100, window: .seconds(1))
                return try await client.send(slow)
            }
            #expect(error?.kind == .timedOut)
            #expect(ContinuousClock.now - started < .seconds(20), "given up after about a second, not the 60 s timeout")
        }
    }

    @Test func theTimeoutEndsATransfer() async throws {
        try await withLiveServer({ $0.get("/drip") { _, _ in Response(status: .ok, body: drip(60)) } }) { base in
            let started = ContinuousClock.now
            let error = await failure { try client.perform(try get("\(base)/drip", timeout: .seconds(2))) }
            #expect(error?.kind == .timedOut)
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func cancellingTheTaskStopsItsTransfer() async throws {
        try await withLiveServer({ $0.get("/drip") { _, _ in Response(status: .ok, body: drip(60)) } }) { base in
            let url = "\(base)/drip"
            let started = ContinuousClock.now
            let task = Task { try await client.send(try get(url, timeout: .seconds(60))) }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let error = await failure { try await task.value }
            #expect(error?.kind == .cancelled)
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func theProxySettingIsApplied() async throws {
        // The host name cannot resolve (.invalid): only a proxy can answer for it.
        try await withLiveServer({ $0.get("**") { request, _ in "proxied \(request.head.authority ?? "")" } }) { base in
            let proxied = HTTPClient(settings: HTTPSettings(proxy: base))
            let response = try await proxied.send(try get("http://market-test.invalid/via"))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "proxied market-test.invalid")
            let bypassed = HTTPClient(settings: HTTPSettings(proxy: base, noProxy: "market-test.invalid"))
            let error = await failure { try bypassed.perform(try get("http://market-test.invalid/via")) }
            #expect(error?.kind == .failed)
        }
    }

    @Test func theCABundleSettingIsApplied() async throws {
        try await withLiveServer({ _ in }) { base in
            let https = base.replacingOccurrences(of: "http://", with: "https://") + "/"
            let missingBundle = HTTPClient(settings: HTTPSettings(caBundle: "/nonexistent/market-ca.pem"))
            // libcurl loads the bundle before its TLS handshake: CURLE_SSL_CACERT_BADFILE (77).
            let error = await failure { try await missingBundle.send(try get(https)) }
            #expect(error?.curlCode == 77, "\(String(describing: error))")
            let standard = await failure { try await client.send(try get(https)) }
            #expect(standard?.curlCode != 77, "the system's store loads")
        }
    }

    @Test func redirectsAreRefusedUnlessFollowedAndNeverLeaveHTTP() async throws {
        try await withLiveServer({ router in
            router.get("/moved") { _, _ in Response(status: .found, headers: [.location: "/target"]) }
            router.get("/target") { _, _ in "arrived" }
            router.get("/to-file") { _, _ in Response(status: .found, headers: [.location: "file:///etc/passwd"]) }
        }) { base in
            let refused = try await client.send(try get("\(base)/moved"))
            #expect(refused.status == 302)
            var follow = try get("\(base)/moved")
            follow.redirects = .followed(maximum: 5)
            let followed = try await client.send(follow)
            #expect(followed.status == 200)
            #expect(String(decoding: followed.body, as: UTF8.self) == "arrived")
            let error = await failure {
                var toFile = try get("\(base)/to-file")
                toFile.redirects = .followed(maximum: 5)
                return try await client.send(toFile)
            }
            #expect(error?.kind == .invalidURL)
        }
    }

    @Test func headersAndAStreamedBodyReachTheCaller() async throws {
        try await withLiveServer({ router in
            router.post("/echo") { request, _ in
                let body = try await request.body.collect(upTo: 1 << 20)
                return Response(status: .created, headers: [HTTPField.Name("X-Seen")!: request.headers[HTTPField.Name("X-Sent")!] ?? ""], body: .init(byteBuffer: body))
            }
        }) { base in
            var request = try get("\(base)/echo")
            request.method = "POST"
            request.headers = ["X-Sent: yes"]
            request.body = Data("streamed".utf8)
            request.collectsHeaders = true
            let chunks = Mutex(Data())
            request.onBody = { bytes in
                chunks.withLock { $0.append(contentsOf: bytes) }
                return true
            }
            let response = try client.perform(request)
            #expect(response.status == 201)
            #expect(response.headers["x-seen"] == "yes")
            #expect(response.body.isEmpty)
            #expect(chunks.withLock { $0 } == Data("streamed".utf8))
        }
    }

    @Test func urlPartsAreCurlsParse() throws {
        let url = try HTTPURL("https://User@EXAMPLE.com/path")
        #expect(url.scheme == "https")
        #expect(url.host == "example.com")
        #expect(url.port == 443)
        #expect((try? HTTPURL("not a url")) == nil)
    }
}
