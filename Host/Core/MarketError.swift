/// The one error type of Market's libraries: a stable code, a message for people, the fix,
/// and the underlying cause.
///
/// `description` never contains secrets or raw payloads; details that might go into
/// `debugDescription` only.
public struct MarketError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// A stable, machine-readable name such as `ABI_INCOMPATIBLE`. Never renamed once shipped.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
    }

    public let code: Code
    public let message: String
    /// What to do about it, in one sentence; empty when there is nothing a user can do.
    public let fix: String
    public let underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, fix: String = "", underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
        self.underlying = underlying
    }

    public var description: String {
        fix.isEmpty ? "\(code): \(message)" : "\(code): \(message) — \(fix)"
    }

    public var debugDescription: String {
        guard let underlying else { return description }
        return "\(description) [cause: \(String(reflecting: underlying))]"
    }
}

extension MarketError.Code {
    /// The plugin does not offer the capability asked for. (Core: the store's delivery workers
    /// name it too.)
    public static let capabilityMissing = Self(rawValue: "CAPABILITY_MISSING")
    /// A plugin's result is not valid JSON, or not of the shape asked for.
    public static let invalidResult = Self(rawValue: "INVALID_RESULT")
    /// A plugin built for another ABI major (or with structs too small): the runtime refuses to
    /// load it and the registry refuses to choose it.
    public static let abiIncompatible = Self(rawValue: "ABI_INCOMPATIBLE")
    public static let manifestInvalid = Self(rawValue: "MANIFEST_INVALID")
    public static let versionInvalid = Self(rawValue: "VERSION_INVALID")
    public static let ioFailed = Self(rawValue: "IO_FAILED")
}

extension MarketError {
    /// Runs `body`, keeping a `MarketError` as it is and wrapping any other error in one with
    /// `code` and `message`.
    public static func catching<Value>(_ code: Code, _ message: String, _ body: () throws -> Value) -> Result<Value, MarketError> {
        do {
            return .success(try body())
        } catch let error as MarketError {
            return .failure(error)
        } catch {
            return .failure(MarketError(code, message, underlying: error))
        }
    }
}
