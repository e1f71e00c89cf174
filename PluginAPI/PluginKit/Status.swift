import MarketPluginAPI

/// The ABI's frozen status codes (market/types.h) as a Swift type.
public enum Status: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case invalidArgument = 1
    case notFound = 2
    case permissionDenied = 3
    case timeout = 4
    case cancelled = 5
    case tooLarge = 6
    case unavailable = 7
    case unsupported = 8
    case `internal` = 9
    case rateLimited = 10
    case unauthenticated = 11
    case contextTooLong = 12
    case retryLater = 13
    case rejected = 14
    case upstream = 15

    /// Maps any raw status, treating unknown values as `.internal` as the ABI requires.
    public init(code: mk_status_t) {
        self = Status(rawValue: code) ?? .internal
    }

    public var description: String {
        switch self {
        case .ok: "OK"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .notFound: "NOT_FOUND"
        case .permissionDenied: "PERMISSION_DENIED"
        case .timeout: "TIMEOUT"
        case .cancelled: "CANCELLED"
        case .tooLarge: "TOO_LARGE"
        case .unavailable: "UNAVAILABLE"
        case .unsupported: "UNSUPPORTED"
        case .internal: "INTERNAL"
        case .rateLimited: "RATE_LIMITED"
        case .unauthenticated: "UNAUTHENTICATED"
        case .contextTooLong: "CONTEXT_TOO_LONG"
        case .retryLater: "RETRY_LATER"
        case .rejected: "REJECTED"
        case .upstream: "UPSTREAM"
        }
    }
}

/// The ABI version this SDK was built against.
public let abiVersion: UInt32 = (MK_ABI_VERSION_MAJOR << 16) | MK_ABI_VERSION_MINOR
