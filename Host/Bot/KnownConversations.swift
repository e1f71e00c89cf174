import Crypto
import Synchronization

/// The ids of conversations looked up or made lately, by tenant and chat address, kept in
/// memory so that a known chat's message costs no lookup. Small per entry: the address is kept
/// as 16 bytes of its SHA-256 and an id of the usual form (`cnv_` and 32 hex digits) as 16
/// bytes, some 45 bytes an entry in all where the strings took about 350.
public final class KnownConversations: Sendable {
    /// 128 bits of an address's SHA-256: two addresses share one by chance with odds of about
    /// 2⁻¹²⁸ a pair, far below any failure of the machine itself.
    struct Digest: Hashable {
        let high: UInt64
        let low: UInt64
    }

    private struct Entries {
        var packed: [Digest: Digest] = [:]
        /// Ids of another form (none are made so today), whole.
        var other: [Digest: String] = [:]
        var count: Int { packed.count + other.count }
    }

    /// Entries kept at most; past it, the cache starts again rather than grow.
    public let limit: Int
    private let entries = Mutex(Entries())

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The id remembered for the address, if any.
    public func id(tenant: String, address: ChatAddress) -> String? {
        let key = Self.digest(tenant, address)
        return entries.withLock { entries in
            if let packed = entries.packed[key] { return Self.unpack(packed) }
            return entries.other[key]
        }
    }

    public func remember(_ id: String, tenant: String, address: ChatAddress) {
        let key = Self.digest(tenant, address)
        let packed = Self.pack(id)
        entries.withLock { entries in
            if entries.count >= limit {
                entries.packed.removeAll(keepingCapacity: true)
                entries.other.removeAll()
            }
            if let packed { entries.packed[key] = packed } else { entries.other[key] = id }
        }
    }

    /// Entries kept now.
    public var count: Int { entries.withLock(\.count) }

    /// Each part length-prefixed, so that no two addresses hash the same text.
    static func digest(_ tenant: String, _ address: ChatAddress) -> Digest {
        var hash = SHA256()
        for part in [tenant, address.channel, address.chatID, address.userID] {
            let bytes = Array(part.utf8)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { hash.update(bufferPointer: $0) }
            hash.update(data: bytes)
        }
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, byte) in hash.finalize().prefix(16).enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        return Digest(high: high, low: low)
    }

    static let prefix = "cnv_"

    /// `cnv_` and 32 lowercase hex digits as two words; nil for any other form.
    static func pack(_ id: String) -> Digest? {
        let utf8 = Array(id.utf8)
        guard utf8.count == 36, id.hasPrefix(prefix) else { return nil }
        var words: [UInt64] = [0, 0]
        for (index, byte) in utf8.dropFirst(4).enumerated() {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            words[index / 16] = words[index / 16] << 4 | UInt64(nibble)
        }
        return Digest(high: words[0], low: words[1])
    }

    static func unpack(_ packed: Digest) -> String {
        prefix + hex(packed.high) + hex(packed.low)
    }

    private static func hex(_ word: UInt64) -> String {
        let digits = String(word, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
