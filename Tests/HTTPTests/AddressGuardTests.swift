import Foundation
import Hummingbird
@testable import MarketHTTP
import Testing

/// The address checker behind the SSRF guard: every spelling of an address is judged by the
/// bytes it connects to, and a guarded transfer connects only to addresses the guard let through.
@Suite struct AddressGuardTests {
    /// Numeric hosts as `getaddrinfo` reads them (the resolver every connection goes through),
    /// with the range each falls in; nil for a public address.
    @Test(arguments: [
        ("127.0.0.1", AddressRange.loopback), ("2130706433", .loopback), ("0177.0.0.1", .loopback), ("0x7f.0.0.1", .loopback),
        ("127.1", .loopback), ("017700000001", .loopback), ("127.255.255.254", .loopback),
        ("::1", .loopback), ("[::1]", .loopback), ("0:0:0:0:0:0:0:1", .loopback),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:7f00:1", .loopback), ("::127.0.0.2", .loopback), ("2002:7f00:1::", .loopback),
        ("10.0.0.1", .private), ("012.0.0.1", .private), ("167772161", .private), ("::ffff:10.0.0.1", .private), ("[::ffff:a00:1]", .private),
        ("172.16.0.0", .private), ("172.31.255.255", .private), ("192.168.1.1", .private), ("::ffff:192.168.0.1", .private),
        ("fc00::", .private), ("fd12:3456::1", .private), ("fec0::1", .private),
        ("169.254.169.254", .linkLocal), ("0xa9fea9fe", .linkLocal), ("::ffff:169.254.169.254", .linkLocal), ("64:ff9b::a9fe:a9fe", .linkLocal),
        ("fe80::1", .linkLocal), ("febf::1", .linkLocal),
        ("100.64.0.1", .cgnat), ("100.127.255.255", .cgnat),
        ("0.0.0.0", .unspecified), ("0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified), ("::ffff:0.0.0.0", .unspecified),
        ("224.0.0.1", .multicast), ("239.255.255.250", .multicast), ("ff02::1", .multicast),
        ("240.0.0.1", .reserved), ("255.255.255.255", .reserved),
    ] as [(String, AddressRange)])
    func guardedAddressesInEveryForm(text: String, range: AddressRange) throws {
        let address = try #require(IPAddress(numeric: text), "\(text) is not read as an address")
        #expect(AddressRange.of(address)?.range == range, "\(text) → \(address)")
        #expect(AddressGuard().refusal(of: address)?.range == range)
        #expect(AddressGuard(allowing: [range]).refusal(of: address) == nil)
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
        "169.253.255.255", "223.255.255.255", "126.255.255.255", "128.0.0.1", "11.0.0.1", "2606:4700:4700::1111", "2001:db8::1",
        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::", "fbff::1", "fe7f::1",
    ])
    func publicAddressesPass(text: String) throws {
        let address = try #require(IPAddress(numeric: text))
        #expect(AddressRange.of(address) == nil, "\(text) → \(String(describing: AddressRange.of(address)))")
        #expect(AddressGuard().refusal(of: address) == nil)
    }

    @Test func namesAreNotNumericAddresses() {
        for name in ["localhost", "example.com", "127.0.0.1.example", "1.2.3.4.5", ""] {
            #expect(IPAddress(numeric: name) == nil, "\(name)")
        }
    }

    /// URLs as a plugin writes them: curl's parser may rewrite the host (2130706433 becomes
    /// 127.0.0.1), and whatever it hands on is judged as an address.
    @Test(arguments: [
        "http://2130706433/", "http://0177.0.0.1/", "http://0x7f000001/", "http://127.1:8080/", "http://[::ffff:127.0.0.1]/",
        "http://[::1]/", "http://[0:0:0:0:0:ffff:7f00:1]/",
    ])
    func urlHostsInOtherSpellingsAreLoopback(url: String) throws {
        let parsed = try HTTPURL(url)
        let host = try #require(parsed.host)
        let address = try #require(IPAddress(numeric: host), "\(url): host \(host)")
        #expect(AddressRange.of(address)?.range == .loopback, "\(url) → \(address)")
    }

    @Test func refusalsNameTheAddressAndTheBlock() throws {
        let mapped = try #require(IPAddress(numeric: "::ffff:10.0.0.1"))
        let refusal = try #require(AddressGuard(allowing: [.loopback]).refusal(of: mapped))
        #expect(refusal.description == "::ffff:10.0.0.1 is in 10.0.0.0/8 (private)")
        #expect(AddressGuard().refusal(of: .v4(0xa9fe_a9fe))?.description == "169.254.169.254 is in 169.254.0.0/16 (link-local)")
        let linkLocal = try #require(IPAddress(numeric: "fe80::1"))
        #expect(AddressGuard().refusal(of: linkLocal)?.description == "fe80::1 is in fe80::/10 (link-local)")
    }

    @Test func rangeListsAreRead() throws {
        #expect(try AddressRange.list("loopback,private,link-local") == [.loopback, .private, .linkLocal])
        #expect(try AddressRange.list(" Loopback , cgnat,") == [.loopback, .cgnat])
        #expect(try AddressRange.list("") == [])
        #expect(try AddressRange.list("all") == Set(AddressRange.allCases))
        #expect(throws: AddressRangeError.self) { try AddressRange.list("loopback,lan") }
        do {
            _ = try AddressRange.list("lan")
        } catch {
            #expect(error.description.contains("'lan' is not an address range"))
            #expect(error.description.contains("link-local"))
        }
    }

    /// The guard at work on real connections, through both ways of sending.
    @Test func aGuardedTransferConnectsOnlyToAllowedAddresses() async throws {
        let client = HTTPClient()
        try await withLiveServer({ $0.get("/ok") { _, _ in "fine" } }) { base in
            let port = try #require(URL(string: base)?.port)
            for host in ["127.0.0.1", "localhost", "2130706433"] {
                let url = "http://\(host):\(port)/ok"
                let request: @Sendable (AddressGuard) throws -> MarketHTTP.HTTPRequest = { addressGuard in
                    var request = MarketHTTP.HTTPRequest(url: try HTTPURL(url), timeout: .seconds(10), maximumResponseBytes: 1024)
                    request.addressGuard = addressGuard
                    return request
                }
                do {
                    _ = try await blocking { try client.perform(try request(AddressGuard())) }
                    Issue.record("\(host): a loopback address was reached through the guard")
                } catch let error as MarketHTTP.HTTPError {
                    #expect(error.kind == .addressRefused, "\(host): \(error)")
                    #expect(error.refusal?.range == .loopback)
                }
                do {
                    _ = try await client.send(try request(AddressGuard()))
                    Issue.record("\(host): a loopback address was reached through the guard on the multi loop")
                } catch let error as MarketHTTP.HTTPError {
                    #expect(error.kind == .addressRefused, "\(host): \(error)")
                }
                #expect(try await blocking { try client.perform(try request(AddressGuard(allowing: [.loopback]))) }.status == 200)
                #expect(try await client.send(try request(AddressGuard(allowing: [.loopback]))).status == 200)
            }
        }
    }

    /// Past the cap, the transfer stops with the status, the headers and exactly the first
    /// `maximumResponseBytes` of the body.
    @Test func aCappedBodyKeepsItsPrefixAndStatus() async throws {
        let client = HTTPClient()
        try await withLiveServer({ $0.get("/big") { _, _ in String(repeating: "0123456789", count: 100_000) } }) { base in
            let request: @Sendable () throws -> MarketHTTP.HTTPRequest = {
                MarketHTTP.HTTPRequest(url: try HTTPURL(base + "/big"), timeout: .seconds(10), maximumResponseBytes: 1024, collectsHeaders: true)
            }
            for run in 0..<2 {
                do {
                    _ = run == 0 ? try await blocking { try client.perform(try request()) } : try await client.send(try request())
                    Issue.record("a body over the cap was accepted")
                } catch let error as MarketHTTP.HTTPError {
                    #expect(error.kind == .tooLarge)
                    #expect(error.response?.status == 200)
                    #expect(error.response?.headers["content-length"] == "1000000")
                    #expect(error.response?.body == Data(String(repeating: "0123456789", count: 103).utf8.prefix(1024)))
                }
            }
            let seen = StreamedBytes()
            do {
                _ = try await blocking {
                    var streamed = try request()
                    streamed.onBody = { seen.append($0); return true }
                    return try client.perform(streamed)
                }
                Issue.record("a body over the cap was accepted")
            } catch let error as MarketHTTP.HTTPError {
                #expect(error.kind == .tooLarge)
                #expect(seen.count == 1024)
            }
        }
    }

    /// Runs a blocking transfer on a thread of its own: on the cooperative pool it could hold
    /// the threads the live server's handlers need.
    private func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    final class StreamedBytes: @unchecked Sendable {
        // Unchecked: written only by the transfer's thread, read after it ended.
        private(set) var count = 0
        func append(_ bytes: UnsafeRawBufferPointer) { count += bytes.count }
    }
}
