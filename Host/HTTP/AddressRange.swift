import Foundation

/// The address ranges a plugin's request behind a wildcard network grant may not reach unless
/// the operator allows them (`market serve --allow-network`): the host itself, the networks
/// beside it, and cloud metadata services (169.254.169.254 is link-local).
public enum AddressRange: String, Sendable, CaseIterable, Hashable {
    /// 127.0.0.0/8, ::1.
    case loopback
    /// RFC 1918 (10/8, 172.16/12, 192.168/16), IPv6 unique local fc00::/7, site-local fec0::/10.
    case `private`
    /// 169.254.0.0/16, fe80::/10; cloud metadata endpoints live here.
    case linkLocal = "link-local"
    /// 100.64.0.0/10, carrier-grade NAT's shared space: a provider's own network.
    case cgnat
    /// 0.0.0.0/8 and ::, which Linux connects to the local host.
    case unspecified
    /// 224.0.0.0/4, ff00::/8.
    case multicast
    /// 240.0.0.0/4 and the broadcast address: never a server on the internet.
    case reserved

    /// The range `address` falls in, with the block written as CIDR; nil for a public address.
    /// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by it.
    public static func of(_ address: IPAddress) -> (range: AddressRange, block: String)? {
        switch address {
        case .v4(let value):
            return of(v4: value)
        case .v6(let bytes):
            if let embedded = address.embeddedIPv4 { return of(v4: embedded) }
            if bytes.allSatisfy({ $0 == 0 }) { return (.unspecified, "::/128") }
            if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return (.loopback, "::1/128") }
            if bytes[0] & 0xfe == 0xfc { return (.private, "fc00::/7") }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return (.linkLocal, "fe80::/10") }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return (.private, "fec0::/10") }
            if bytes[0] == 0xff { return (.multicast, "ff00::/8") }
            return nil
        }
    }

    private static let v4Blocks: [(base: UInt32, bits: UInt32, range: AddressRange, block: String)] = [
        (0x0000_0000, 8, .unspecified, "0.0.0.0/8"),
        (0x7f00_0000, 8, .loopback, "127.0.0.0/8"),
        (0x0a00_0000, 8, .private, "10.0.0.0/8"),
        (0xac10_0000, 12, .private, "172.16.0.0/12"),
        (0xc0a8_0000, 16, .private, "192.168.0.0/16"),
        (0xa9fe_0000, 16, .linkLocal, "169.254.0.0/16"),
        (0x6440_0000, 10, .cgnat, "100.64.0.0/10"),
        (0xe000_0000, 4, .multicast, "224.0.0.0/4"),
        (0xf000_0000, 4, .reserved, "240.0.0.0/4"),
    ]

    private static func of(v4 value: UInt32) -> (range: AddressRange, block: String)? {
        for entry in v4Blocks where value >> (32 - entry.bits) == entry.base >> (32 - entry.bits) {
            return (entry.range, entry.block)
        }
        return nil
    }

    /// Reads a comma-separated list of range names (`loopback,private,link-local`); `all`
    /// names every range.
    /// - Throws: `AddressRangeError` naming the unknown word and the known ones.
    public static func list(_ text: String) throws(AddressRangeError) -> Set<AddressRange> {
        var ranges = Set<AddressRange>()
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !word.isEmpty {
            if word == "all" {
                ranges.formUnion(allCases)
            } else if let range = AddressRange(rawValue: word) {
                ranges.insert(range)
            } else {
                throw AddressRangeError(word: word)
            }
        }
        return ranges
    }
}

/// A word in an `--allow-network` list that names no range.
public struct AddressRangeError: Error, Sendable, CustomStringConvertible {
    public let word: String
    public var description: String {
        "'\(word)' is not an address range; use a comma-separated list of " + (AddressRange.allCases.map(\.rawValue) + ["all"]).joined(separator: ", ")
    }
}
