/// The hosts a plugin declared in `permissions.network`, and the check `market.http/1` makes
/// before any connection.
public struct NetworkPermission: Sendable {
    /// How a host was granted: by its own name, or only by a wildcard (`*`, `*.example.com`).
    /// A wildcard stands for names the plugin learns at run time (a webhook endpoint's URL),
    /// so `market.http/1` refuses private addresses behind it unless the operator allows them.
    public enum Grant: Sendable, Equatable {
        case named
        case wildcard
    }

    private let patterns: [(host: String, port: Int?)]

    public init(_ declared: [String]) {
        patterns = declared.compactMap(Self.split)
    }

    /// Whether `host` (as the URL parser reported it, without brackets) on `port` is allowed.
    /// `*.example.com` matches subdomains only; a pattern without a port matches any port.
    public func allows(host: String, port: Int) -> Bool { grant(host: host, port: port) != nil }

    /// How `host` on `port` is allowed, nil when it is not; a name granted both ways is `named`.
    /// `*` matches every host (IPv6 literals included), `*.example.com` subdomains only.
    public func grant(host: String, port: Int) -> Grant? {
        // Only ASCII hosts can match (curl hands over IDNs as punycode); Unicode case rules
        // would otherwise turn some letters into ASCII ones.
        guard host.utf8.allSatisfy({ $0 < 0x80 }), !host.isEmpty else { return nil }
        let host = host.lowercased()
        var found: Grant?
        for pattern in patterns {
            if let wanted = pattern.port, wanted != port { continue }
            if pattern.host == "*" {
                found = .wildcard
            } else if pattern.host.hasPrefix("*.") {
                if host.hasSuffix(pattern.host.dropFirst()) && host.count > pattern.host.count - 1 { found = .wildcard }
            } else if host == pattern.host {
                return .named
            }
        }
        return found
    }

    static func isValidPattern(_ text: String) -> Bool { split(text) != nil }

    private static func split(_ text: String) -> (host: String, port: Int?)? {
        // ASCII only, checked before lower-casing: Unicode case rules map some letters to ASCII.
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var host = Substring(text.lowercased())
        var port: Int?
        if let colon = host.lastIndex(of: ":"), !host.contains("["), host.firstIndex(of: ":") == colon {
            let digits = host[host.index(after: colon)...]
            guard !digits.isEmpty, digits.utf8.allSatisfy(\.isDigit), !digits.hasPrefix("0"), let value = Int(digits), (1...65535).contains(value) else {
                return nil
            }
            port = value
            host = host[..<colon]
        }
        if host == "*" { return (String(host), port) }
        let body = host.hasPrefix("*.") ? host.dropFirst(2) : host
        let labels = body.split(separator: ".", omittingEmptySubsequences: false)
        guard !body.isEmpty, body.count <= 253, labels.allSatisfy({ label in
            (1...63).contains(label.count) && label.utf8.allSatisfy { $0.isLowerAlphanumeric || $0 == UInt8(ascii: "-") }
        }) else { return nil }
        return (String(host), port)
    }
}
