import Foundation
import JSONScanning

/// What the host asks of `TargetPlugin.prepareTarget`: check and complete a target before it is
/// stored (market/targets.h, `prepare`).
public struct TargetRequest: Sendable {
    public enum Action: String, Sendable {
        case create
        case update
        case rotateSecret = "rotate_secret"
    }

    public let action: Action
    /// The operator's settings (a JSON object) for `create` and `update`; nil otherwise.
    public let settings: [UInt8]?
    /// What is stored now (`update`, `rotate_secret`): its settings and secrets, JSON objects.
    public let currentSettings: [UInt8]?
    public let currentSecrets: [UInt8]?
    /// The host's clock for the call (`now`), or the plugin's when the host sent none.
    public let now: Date
    /// How long a rotated secret keeps signing beside the new one (`overlap_seconds`).
    public let overlapSeconds: Int?
    /// The whole request, as received.
    public let json: [UInt8]

    init(json: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw PluginError(.invalidArgument, "the target request is not a JSON object")
        }
        guard let name = object["action"] as? String, let action = Action(rawValue: name) else {
            throw PluginError(.invalidArgument, "the target request's action is \(object["action"].map { "\($0)" } ?? "missing"), not create, update or rotate_secret")
        }
        self.action = action
        self.json = json
        settings = try Self.objectBytes(object["settings"], "settings")
        let current = object["current"] as? [String: Any]
        currentSettings = try Self.objectBytes(current?["settings"], "current.settings")
        currentSecrets = try Self.objectBytes(current?["secrets"], "current.secrets")
        now = (object["now"] as? String).flatMap(Self.date) ?? Date()
        overlapSeconds = (object["overlap_seconds"] as? NSNumber)?.intValue
    }

    /// An ISO 8601 time, with or without fractions of a second.
    static func date(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601)) ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
    }

    /// Decodes the operator's settings into `type` (a missing object decodes as `{}`).
    public func settings<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try decodeTargetJSON(type, settings, "settings")
    }

    private static func objectBytes(_ value: Any?, _ name: String) throws -> [UInt8]? {
        guard let value, !(value is NSNull) else { return nil }
        guard value is [String: Any] else { throw PluginError(.invalidArgument, "\(name) is not a JSON object") }
        return Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]))
    }
}

/// What `prepareTarget` answers: the settings (public) and secrets (kept encrypted by the host)
/// to store, each a JSON object.
public struct PreparedTarget: Sendable {
    public let settings: [UInt8]
    public let secrets: [UInt8]

    public init(settings: [UInt8], secrets: [UInt8]) {
        self.settings = settings
        self.secrets = secrets
    }

    /// Encodes both with `JSONEncoder` (keys sorted).
    public init(encoding settings: some Encodable, secrets: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let settings = try encoder.encode(settings)
        let secrets = try encoder.encode(secrets)
        self.init(settings: Array(settings), secrets: Array(secrets))
    }

    var json: [UInt8] { Array(#"{"settings":"#.utf8) + settings + Array(#","secrets":"#.utf8) + secrets + [UInt8(ascii: "}")] }
}

/// One target an event goes to (`deliver`'s `target_json`).
public struct TargetDelivery: Sendable {
    /// The host's id of the target, `tgt_…`.
    public let id: String
    /// Which attempt this is, from 1.
    public let attempt: Int
    public let settings: [UInt8]
    public let secrets: [UInt8]

    /// Reads the host's object in place: the settings and secrets are handed on as the bytes
    /// the host wrote, not parsed and written again (which cost more than the delivery itself).
    init(json: [UInt8]) throws {
        let notATarget = PluginError(.invalidArgument, "the target is not a JSON object with an id")
        var id: String?, attempt = 1
        var settings: [UInt8] = Array("{}".utf8), secrets: [UInt8] = Array("{}".utf8)
        try json.withUnsafeBytes { bytes in
            var scanner = JSONScanner(bytes)
            guard scanner.consume(UInt8(ascii: "{")) else { throw notATarget }
            if !scanner.consume(UInt8(ascii: "}")) {
                repeat {
                    guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")) else { throw notATarget }
                    scanner.skipWhitespace()
                    let start = scanner.index
                    if scanner.token(key, is: "id") {
                        guard let value = scanner.string() else { throw notATarget }
                        id = scanner.text(of: value)
                    } else if scanner.token(key, is: "attempt"), let number = scanner.number() {
                        attempt = number.isInteger ? Int(String(decoding: bytes[number.text], as: UTF8.self)) ?? 1 : 1
                    } else {
                        guard scanner.skipValue(depth: 1) else { throw notATarget }
                        // Anything but an object stands for an empty one, as before.
                        if bytes[start] == UInt8(ascii: "{") {
                            if scanner.token(key, is: "settings") { settings = Array(bytes[start..<scanner.index]) }
                            if scanner.token(key, is: "secrets") { secrets = Array(bytes[start..<scanner.index]) }
                        }
                    }
                } while scanner.consume(UInt8(ascii: ","))
                guard scanner.consume(UInt8(ascii: "}")) else { throw notATarget }
            }
            scanner.skipWhitespace()
            guard scanner.atEnd else { throw notATarget }
        }
        guard let id else { throw notATarget }
        self.id = id
        self.attempt = attempt
        self.settings = settings
        self.secrets = secrets
    }

    public func settings<T: Decodable>(as type: T.Type = T.self) throws -> T { try decodeTargetJSON(type, settings, "the target's settings") }
    public func secrets<T: Decodable>(as type: T.Type = T.self) throws -> T { try decodeTargetJSON(type, secrets, "the target's secrets") }
}

/// What became of one delivery (`deliver`'s outcome object).
public struct DeliveryOutcome: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        /// The destination accepted the event.
        case delivered
        /// Try again on the host's schedule, or after `retryAfterSeconds` (pausing the target).
        case retry
        /// Dead at once: trying again cannot help.
        case failed
        /// The destination is gone: the host disables the target and its messages wait.
        case disableTarget = "disable_target"
    }

    public var verdict: Verdict
    public var retryAfterSeconds: Int?
    public var status: Int?
    public var durationMilliseconds: Int?
    /// The start of the response body for the attempt log; the host keeps its first KiB.
    public var response: String?
    public var error: String?

    public init(_ verdict: Verdict, retryAfterSeconds: Int? = nil, status: Int? = nil, durationMilliseconds: Int? = nil,
                response: String? = nil, error: String? = nil) {
        self.verdict = verdict
        self.retryAfterSeconds = retryAfterSeconds
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.response = response
        self.error = error
    }

    /// The outcome object, keys sorted, written by hand: it is made for every delivery, and
    /// JSONSerialization cost more than the rest of a webhook's delivery in the plugin.
    var json: [UInt8] {
        var members: [(String, [UInt8])] = []
        if let durationMilliseconds { members.append(("duration_ms", Array(String(durationMilliseconds).utf8))) }
        if let error { members.append(("error", Self.quoted(error))) }
        members.append(("outcome", Self.quoted(verdict.rawValue)))
        if let response { members.append(("response", Self.quoted(response))) }
        if let retryAfterSeconds, verdict == .retry { members.append(("retry_after_seconds", Array(String(retryAfterSeconds).utf8))) }
        if let status { members.append(("status", Array(String(status).utf8))) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Self.quoted(member.0)
            out.append(UInt8(ascii: ":"))
            out += member.1
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `text` as a JSON string: quote, backslash and control characters escaped, the rest as UTF-8.
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}

func decodeTargetJSON<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]?, _ what: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: Data(bytes ?? Array("{}".utf8)))
    } catch {
        throw PluginError(.invalidArgument, "\(what) do not fit: \(Tool.explain(error))")
    }
}
