/// A JSON document read once and looked at by hand: members by name, elements in order,
/// strings and numbers read in place. For a plugin's hot path, where Codable costs more than
/// the request it reads: a decoder reached through `any Decoder` looks up its containers'
/// generic metadata and witness tables at run time for every value, which on a small answer is
/// most of the work. `PluginJSON.decode` for everything else.
public struct JSONView {
    let tape: JSONTape
    let index: Int

    /// Reads `bytes`. Throws `DecodingError.dataCorrupted` when they are not one JSON value.
    public init(parsing bytes: some Collection<UInt8>) throws {
        tape = try PluginJSON.tape(bytes)
        index = 0
    }

    init(tape: JSONTape, index: Int) {
        self.tape = tape
        self.index = index
    }

    private var kind: JSONTape.Kind { tape.entries[index].kind }

    public var isNull: Bool { kind == .null }
    public var isObject: Bool { kind == .object }
    public var isArray: Bool { kind == .array }

    /// Member `key` of an object (the first of equal keys); nil when this is no object or it
    /// has no such member. A member that is `null` is there: see `isNull`.
    public subscript(key: String) -> JSONView? {
        guard kind == .object else { return nil }
        var member = index + 1
        let end = tape.next(after: index)
        while member < end {
            if tape.string(at: member, equals: key) { return JSONView(tape: tape, index: member + 1) }
            member = tape.next(after: member + 1)
        }
        return nil
    }

    /// The names of an object's members, in order; none when this is no object.
    public var keys: [String] {
        guard kind == .object else { return [] }
        var keys: [String] = []
        var member = index + 1
        let end = tape.next(after: index)
        while member < end {
            keys.append(tape.string(at: member))
            member = tape.next(after: member + 1)
        }
        return keys
    }

    /// An array's elements, in order; none when this is no array.
    public var elements: [JSONView] {
        guard kind == .array else { return [] }
        var elements: [JSONView] = []
        var element = index + 1
        let end = tape.next(after: index)
        while element < end {
            elements.append(JSONView(tape: tape, index: element))
            element = tape.next(after: element)
        }
        return elements
    }

    /// A string's text, escapes decoded; nil for any other value.
    public var string: String? { kind == .string ? tape.string(at: index) : nil }

    /// A number that is a whole number within Int64 (`7`, `7.0`, `7e0`), as Foundation's decoder
    /// reads one into an integer; nil for any other value.
    public var int64: Int64? { kind == .number || kind == .integer ? tape.integer(at: index) : nil }

    public var int: Int? { int64.flatMap { Int(exactly: $0) } }

    /// A finite number; nil for any other value.
    public var double: Double? {
        guard kind == .number || kind == .integer, let value = Double(tape.numberText(at: index)), value.isFinite else { return nil }
        return value
    }

    public var bool: Bool? {
        switch kind {
        case .true: true
        case .false: false
        default: nil
        }
    }
}

extension JSONView {
    /// Member `key` as a string; nil when it is absent or `null`. Throws the `DecodingError`
    /// Codable would (`typeMismatch` at `key`) when it is there with another type.
    public func optionalString(_ key: String) throws -> String? {
        try optional(key, String.self) { $0.string }
    }

    /// Member `key` as an integer; nil when it is absent or `null`; throws as `optionalString`.
    public func optionalInt(_ key: String) throws -> Int? {
        try optional(key, Int.self) { $0.int }
    }

    private func optional<T>(_ key: String, _ type: T.Type, _ read: (JSONView) -> T?) throws -> T? {
        guard let member = self[key], !member.isNull else { return nil }
        guard let value = read(member) else {
            throw DecodingError.typeMismatch(type, .init(codingPath: [ViewKey(stringValue: key)], debugDescription: "Expected to decode \(type) for '\(key)'."))
        }
        return value
    }
}

/// A member name as a coding key, for the errors `JSONView` throws.
private struct ViewKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A tool input read from the arguments by hand (`init(view:)`) instead of through Codable:
/// `Tool` uses it when the input type offers it. Keep `Decodable` for everything else.
public protocol JSONViewDecodable: Decodable {
    init(view: JSONView) throws
}

/// A tool result written by hand (`writeJSON(to:)`) instead of through Codable: `Tool` uses
/// it when the output type offers it. It must write what `PluginJSON.encode` writes.
public protocol JSONWritable: Encodable {
    func writeJSON(to out: inout [UInt8])
}

extension PluginJSON {
    /// Appends `text` as a JSON string, escaped as `PluginJSON.encode` escapes it.
    public static func writeString(_ text: String, to out: inout [UInt8]) {
        EncodedNode.quote(text, to: &out)
    }

    /// Appends `text` as a JSON string, or `null`.
    public static func writeString(_ text: String?, to out: inout [UInt8]) {
        if let text { EncodedNode.quote(text, to: &out) } else { out += "null".utf8 }
    }

    /// Appends an array of strings.
    public static func writeStrings(_ texts: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (position, text) in texts.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            EncodedNode.quote(text, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }
}
