/// The check a request makes of every address it is about to connect to: addresses in a
/// guarded range (loopback, private, link-local, …) are refused unless the operator allowed
/// that range. The runtime gives a guard to plugins' requests whose host only a wildcard
/// network grant allowed, since such a URL comes from a tenant or a user, not a manifest.
///
/// The check runs on the socket address libcurl opens (`CURLOPT_OPENSOCKETFUNCTION`), after
/// its own `getaddrinfo`, so what is checked is what is connected to: a name that resolves to
/// a public address when looked at and to 127.0.0.1 when connected to (DNS rebinding) has no
/// window between the two.
public struct AddressGuard: Sendable, Hashable {
    /// Ranges the operator allowed; every other guarded range is refused.
    public var allowed: Set<AddressRange>

    public init(allowing allowed: Set<AddressRange> = []) {
        self.allowed = allowed
    }

    /// Why `address` may not be connected to; nil when it may.
    public func refusal(of address: IPAddress) -> AddressRefusal? {
        guard let (range, block) = AddressRange.of(address), !allowed.contains(range) else { return nil }
        return AddressRefusal(address: address, range: range, block: block)
    }
}

/// An address a guarded request was refused, and the range it fell in.
public struct AddressRefusal: Sendable, Equatable, CustomStringConvertible {
    public let address: IPAddress
    public let range: AddressRange
    /// The range's block the address is in, as CIDR (`127.0.0.0/8`).
    public let block: String

    public var description: String { "\(address) is in \(block) (\(range.rawValue))" }
}
