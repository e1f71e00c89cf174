/// `Decoder` over a `JSONTape`: Codable types read from the index in place. It means what
/// Foundation's JSONDecoder (default strategies) means for the types plugins use — a missing
/// key is `keyNotFound`, `null` where a value is required is `valueNotFound`, `1.0` is an `Int`,
/// `1.5` is not, the first of two equal keys counts — and throws the same `DecodingError`s
/// with their coding paths. Dates, `Data` and `URL` get no special reading.
struct TapeDecoder: Decoder {
    let tape: JSONTape
    let index: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try expect(.object, "a dictionary")
        return KeyedDecodingContainer(TapeKeyedContainer<Key>(tape: tape, object: index, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try expect(.array, "an array")
        return TapeUnkeyedContainer(tape: tape, array: index, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    private func expect(_ kind: JSONTape.Kind, _ what: String) throws {
        let found = tape.entries[index].kind
        guard found == kind else {
            if found == .null {
                throw DecodingError.valueNotFound(kind == .object ? [String: Any].self : [Any].self,
                                                  .init(codingPath: codingPath, debugDescription: "Expected \(what) but found null instead."))
            }
            throw DecodingError.typeMismatch(kind == .object ? [String: Any].self : [Any].self,
                                             .init(codingPath: codingPath, debugDescription: "Expected \(what) but found \(Self.name(found)) instead."))
        }
    }

    /// The value as `T`, the common types read directly rather than through their `init(from:)`.
    func unwrap<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return try decode(String.self) as! T }
        if T.self == Int.self { return try decode(Int.self) as! T }
        if T.self == Bool.self { return try decode(Bool.self) as! T }
        if T.self == Double.self { return try decode(Double.self) as! T }
        return try T(from: self)
    }

    static func name(_ kind: JSONTape.Kind) -> String {
        switch kind {
        case .object: "a dictionary"
        case .array: "an array"
        case .string: "a string"
        case .number, .integer: "a number"
        case .true, .false: "bool"
        case .null: "null"
        }
    }
}

extension TapeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { tape.entries[index].kind == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch tape.entries[index].kind {
        case .true: return true
        case .false: return false
        default: throw mismatch(type)
        }
    }

    func decode(_ type: String.Type) throws -> String {
        guard tape.entries[index].kind == .string else { throw mismatch(type) }
        return tape.string(at: index)
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard tape.entries[index].kind == .number || tape.entries[index].kind == .integer else { throw mismatch(type) }
        guard let value = Double(tape.numberText(at: index)), value.isFinite else { throw unrepresentable(type) }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float {
        let value = try decode(Double.self)
        guard abs(value) <= Double(Float.greatestFiniteMagnitude) else { throw unrepresentable(type) }
        return Float(value)
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }

    func decode(_ type: UInt64.Type) throws -> UInt64 {
        // Above Int64.max only as written digits.
        if tape.entries[index].kind == .integer, let value = UInt64(tape.numberText(at: index)) { return value }
        return try integer(type)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try unwrap(type) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard tape.entries[index].kind == .number || tape.entries[index].kind == .integer else { throw mismatch(type) }
        guard let wide = tape.integer(at: index), let value = T(exactly: wide) else { throw unrepresentable(type) }
        return value
    }

    private func mismatch(_ type: Any.Type) -> DecodingError {
        let found = tape.entries[index].kind
        let context = DecodingError.Context(codingPath: codingPath, debugDescription: "Expected to decode \(type) but found \(Self.name(found)) instead.")
        return found == .null ? .valueNotFound(type, context) : .typeMismatch(type, context)
    }

    private func unrepresentable(_ type: Any.Type) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: "Number \(tape.numberText(at: index)) does not fit in \(type)."))
    }
}

/// An object's members, found by walking its entries; the first of equal keys counts.
struct TapeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let tape: JSONTape
    let object: Int
    let codingPath: [any CodingKey]

    var allKeys: [Key] {
        var keys: [Key] = []
        var member = object + 1
        while member < tape.next(after: object) {
            if let key = Key(stringValue: tape.string(at: member)) { keys.append(key) }
            member = tape.next(after: member + 1)
        }
        return keys
    }

    /// The index of `key`'s value.
    private func find(_ key: Key) -> Int? {
        let name = key.stringValue
        var member = object + 1
        let end = tape.next(after: object)
        while member < end {
            if tape.string(at: member, equals: name) { return member + 1 }
            member = tape.next(after: member + 1)
        }
        return nil
    }

    private func value(_ key: Key) throws -> TapeDecoder {
        guard let index = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return TapeDecoder(tape: tape, index: index, codingPath: codingPath + [key])
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }
    func decodeNil(forKey key: Key) throws -> Bool { try value(key).decodeNil() }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try value(key).decode(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try value(key).decode(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try value(key).decode(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try value(key).decode(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(key).decode(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try value(key).decode(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try value(key).decode(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try value(key).decode(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try value(key).decode(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try value(key).decode(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try value(key).decode(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try value(key).decode(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try value(key).decode(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try value(key).decode(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(key).unwrap(type) }

    // One walk for an optional member instead of the default's three (contains, decodeNil, decode).
    private func present(_ key: Key) -> TapeDecoder? {
        guard let index = find(key), tape.entries[index].kind != .null else { return nil }
        return TapeDecoder(tape: tape, index: index, codingPath: codingPath + [key])
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key)?.decode(type) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key)?.decode(type) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key)?.decode(type) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(key)?.decode(type) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try present(key)?.unwrap(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try value(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try value(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder { try value(Key(stringValue: "super")!) }
    func superDecoder(forKey key: Key) throws -> any Decoder { try value(key) }
}

/// An array's elements in order; a failed decode leaves the position where it was.
struct TapeUnkeyedContainer: UnkeyedDecodingContainer {
    let tape: JSONTape
    let array: Int
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0
    private var cursor: Int
    let count: Int?

    init(tape: JSONTape, array: Int, codingPath: [any CodingKey]) {
        self.tape = tape
        self.array = array
        self.codingPath = codingPath
        cursor = array + 1
        var count = 0
        var element = array + 1
        while element < tape.next(after: array) {
            count += 1
            element = tape.next(after: element)
        }
        self.count = count
    }

    var isAtEnd: Bool { currentIndex >= count ?? 0 }

    private func element(_ type: Any.Type) throws -> TapeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [ElementKey(currentIndex)], debugDescription: "Unkeyed container is at end."))
        }
        return TapeDecoder(tape: tape, index: cursor, codingPath: codingPath + [ElementKey(currentIndex)])
    }

    private mutating func advance() {
        cursor = tape.next(after: cursor)
        currentIndex += 1
    }

    mutating func decodeNil() throws -> Bool {
        guard try element(Never.self).decodeNil() else { return false }
        advance()
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let value = try element(type).unwrap(type)
        advance()
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try element([String: Any].self).container(keyedBy: type)
        advance()
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try element([Any].self).unkeyedContainer()
        advance()
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = try element(Any.self)
        advance()
        return decoder
    }
}

/// The coding-path key of an array element.
struct ElementKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }

    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}
