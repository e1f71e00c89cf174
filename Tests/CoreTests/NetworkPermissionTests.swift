@testable import MarketCore
import Testing

@Suite struct NetworkPermissionTests {
    static let longestLabel = String(repeating: "a", count: 63)
    /// 253 characters: three labels of 63, one of 61 and the dots between them.
    static let longestName = [longestLabel, longestLabel, longestLabel, String(repeating: "b", count: 61)].joined(separator: ".")

    @Test(arguments: [
        "api.example.com", "*.example.com", "localhost", "127.0.0.1", "127.0.0.1:8080", "*.acme-cdn.example:443", "a", "a:1", "a:65535",
        "API.Example.COM", "*.EXAMPLE.com", "xn--bcher-kva.example", "a-b.c-d", longestLabel + ".com", longestName, "*", "*:443",
    ])
    func acceptsValidPatterns(_ text: String) {
        #expect(NetworkPermission.isValidPattern(text))
    }

    @Test(arguments: [
        "", "*.", "*.*", "**", "*:0", "*:", "*.*:443", "*.*.example.com", "**.example.com", "*example.com", "a.*.example.com", "example.*",
        "https://x", "https://api.example.com", "http://x:80", "x/y", "api.example.com/", "api.example.com/path", "user@host", "host?x", "host#x",
        "x:0", "x:65536", "x:99999", "x:", ":80", "x:80a", "x:-1", "x: 80", "a:b:c",
        "a..b", ".example.com", "example.com.", "ex ample.com", " example.com", "exämple.com", "ex_ample.com",
        "[::1]", "::1", "[::1]:80", "fe80::1",
        String(repeating: "a", count: 64) + ".com", longestName + "b", "*." + longestName + "b",
    ])
    func refusesInvalidPatterns(_ text: String) {
        #expect(!NetworkPermission.isValidPattern(text))
    }

    /// Labels are ASCII letters, digits and '-', as in the schema; U+212A KELVIN SIGN lower-cases
    /// to an ASCII "k" but is not an ASCII letter.
    @Test func refusesLettersThatLowerCaseToASCII() {
        #expect(!NetworkPermission.isValidPattern("\u{212A}.example.com"))
        #expect(!NetworkPermission(["k.example.com"]).allows(host: "\u{212A}.example.com", port: 443))
    }

    /// A port is written as plain decimal digits: no sign, no leading zeros.
    @Test(arguments: ["x:+80", "x:080", "x:00443", "x:0080", "x:8O", "x:٣", "x:1e3", "x:0x50"])
    func refusesPortsThatAreNotPlainDigits(_ text: String) {
        #expect(!NetworkPermission.isValidPattern(text))
        #expect(!NetworkPermission([text]).allows(host: "x", port: 80))
    }

    @Test(arguments: [("x:80", 80), ("x:1", 1), ("x:443", 443), ("x:65535", 65535), ("x:10000", 10000)])
    func readsThePort(pattern: String, port: Int) {
        #expect(NetworkPermission.isValidPattern(pattern))
        #expect(NetworkPermission([pattern]).allows(host: "x", port: port))
        #expect(!NetworkPermission([pattern]).allows(host: "x", port: port == 1 ? 2 : port - 1))
    }

    @Test(arguments: [
        // An exact host, on any port.
        ("api.example.com", "api.example.com", 443, true), ("api.example.com", "api.example.com", 8080, true),
        ("api.example.com", "example.com", 443, false), ("api.example.com", "x.api.example.com", 443, false),
        ("api.example.com", "api.example.com.evil.test", 443, false), ("api.example.com", "api.example.co", 443, false),
        ("localhost", "localhost", 80, true), ("127.0.0.1", "127.0.0.1", 9, true), ("127.0.0.1", "127.0.0.2", 9, false),
        // Wildcards match subdomains only.
        ("*.example.com", "api.example.com", 443, true), ("*.example.com", "a.b.example.com", 443, true),
        ("*.example.com", "example.com", 443, false), ("*.example.com", "evilexample.com", 443, false),
        ("*.example.com", ".example.com", 443, false), ("*.example.com", "example.com.evil.test", 443, false),
        ("*.example.com", "api.example.org", 443, false),
        // Ports.
        ("127.0.0.1:8080", "127.0.0.1", 8080, true), ("127.0.0.1:8080", "127.0.0.1", 80, false),
        ("*.cdn.example:443", "a.cdn.example", 443, true), ("*.cdn.example:443", "a.cdn.example", 80, false),
        ("*.cdn.example:443", "cdn.example", 443, false),
        // Letters compare without regard to case, in patterns and in hosts.
        ("API.Example.COM", "api.example.com", 443, true), ("api.example.com", "API.EXAMPLE.COM", 443, true),
        ("*.Example.com", "Api.EXAMPLE.com", 443, true),
    ])
    func allowsHostsAndPorts(pattern: String, host: String, port: Int, expected: Bool) {
        #expect(NetworkPermission([pattern]).allows(host: host, port: port) == expected)
    }

    @Test func nothingDeclaredAllowsNothing() {
        let permission = NetworkPermission([])
        #expect(!permission.allows(host: "localhost", port: 80))
        #expect(!permission.allows(host: "", port: 80))
    }

    @Test func anyDeclaredPatternCanAllow() {
        let permission = NetworkPermission(["api.example.com:443", "*.cdn.example", "127.0.0.1:8080"])
        #expect(permission.allows(host: "api.example.com", port: 443))
        #expect(permission.allows(host: "img.cdn.example", port: 80))
        #expect(permission.allows(host: "127.0.0.1", port: 8080))
        #expect(!permission.allows(host: "api.example.com", port: 80))
        #expect(!permission.allows(host: "127.0.0.1", port: 443))
        #expect(!permission.allows(host: "cdn.example", port: 80))
    }

    @Test func invalidPatternsGrantNothing() {
        let permission = NetworkPermission(["https://api.example.com", "api.example.com/x", "**", "api.example.com:0", "[::1]"])
        #expect(!permission.allows(host: "api.example.com", port: 443))
        #expect(!permission.allows(host: "api.example.com", port: 0))
        #expect(!permission.allows(host: "anything.test", port: 443))
        #expect(!permission.allows(host: "::1", port: 443))
        #expect(NetworkPermission(["https://api.example.com", "api.example.com"]).allows(host: "api.example.com", port: 443))
    }

    /// `*` grants every host, on any port or the one it names; a wildcard's grant is told apart
    /// from a named host's, which `market.http/1` does not restrict to public addresses.
    @Test func anyHostIsAWildcardGrant() {
        let any = NetworkPermission(["*"])
        for host in ["api.example.com", "localhost", "127.0.0.1", "::1", "10.0.0.1"] {
            #expect(any.grant(host: host, port: 8080) == .wildcard, "\(host)")
        }
        #expect(any.grant(host: "", port: 80) == nil)
        let https = NetworkPermission(["*:443"])
        #expect(https.grant(host: "x.test", port: 443) == .wildcard)
        #expect(https.grant(host: "x.test", port: 80) == nil)
    }

    @Test func aNamedHostWinsOverAWildcard() {
        let permission = NetworkPermission(["*", "*.example.com", "api.example.com", "127.0.0.1:8080"])
        #expect(permission.grant(host: "api.example.com", port: 443) == .named)
        #expect(permission.grant(host: "API.example.com", port: 443) == .named)
        #expect(permission.grant(host: "www.example.com", port: 443) == .wildcard)
        #expect(permission.grant(host: "127.0.0.1", port: 8080) == .named)
        #expect(permission.grant(host: "127.0.0.1", port: 8081) == .wildcard)
        #expect(NetworkPermission(["*.example.com"]).grant(host: "a.example.com", port: 1) == .wildcard)
        #expect(NetworkPermission(["localhost"]).grant(host: "localhost", port: 1) == .named)
    }
}
