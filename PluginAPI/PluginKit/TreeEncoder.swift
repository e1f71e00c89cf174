/// `Encoder` writing compact JSON: values are gathered into a small tree (Codable may fill a
/// nested container after its siblings) and written out once. Members keep the order they
/// were encoded in; a key encoded twice keeps its place and takes the later value; a value that
/// encodes nothing is `{}`; numbers read as Foundation's JSONEncoder writes them (`1` for 1.0,
/// `1e+20`), strings with `/` unescaped. A non-finite number throws `invalidValue`.
struct TreeEncoder: Encoder {
    let slot: EncodedSlot
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(TreeKeyedContainer<Key>(object: slot.object(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeUnkeyedContainer(array: slot.array(), codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    /// `value` as a node: the common types written directly rather than through `encode(to:)`.
    static func node<T: Encodable>(_ value: T, at codingPath: [any CodingKey]) throws -> EncodedNode {
        switch value {
        case let text as String: return .text(text)
        case let number as Int: return .literal(String(number))
        case let flag as Bool: return .literal(flag ? "true" : "false")
        case let number as Double: return .literal(try literal(number, at: codingPath))
        default:
            let slot = EncodedSlot()
            try value.encode(to: TreeEncoder(slot: slot, codingPath: codingPath))
            return slot.node ?? .object(EncodedObject())
        }
    }

    static func literal(_ number: some BinaryFloatingPoint & LosslessStringConvertible, at codingPath: [any CodingKey]) throws -> String {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: codingPath, debugDescription: "Unable to encode \(number) directly in JSON."))
        }
        let text = number.description
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}

extension TreeEncoder: SingleValueEncodingContainer {
    func encodeNil() { slot.node = .literal("null") }
    func encode(_ value: Bool) { slot.node = .literal(value ? "true" : "false") }
    func encode(_ value: String) { slot.node = .text(value) }
    func encode(_ value: Double) throws { slot.node = .literal(try Self.literal(value, at: codingPath)) }
    func encode(_ value: Float) throws { slot.node = .literal(try Self.literal(value, at: codingPath)) }
    func encode(_ value: Int) { slot.node = .literal(String(value)) }
    func encode(_ value: Int8) { slot.node = .literal(String(value)) }
    func encode(_ value: Int16) { slot.node = .literal(String(value)) }
    func encode(_ value: Int32) { slot.node = .literal(String(value)) }
    func encode(_ value: Int64) { slot.node = .literal(String(value)) }
    func encode(_ value: UInt) { slot.node = .literal(String(value)) }
    func encode(_ value: UInt8) { slot.node = .literal(String(value)) }
    func encode(_ value: UInt16) { slot.node = .literal(String(value)) }
    func encode(_ value: UInt32) { slot.node = .literal(String(value)) }
    func encode(_ value: UInt64) { slot.node = .literal(String(value)) }
    func encode<T: Encodable>(_ value: T) throws { slot.node = try Self.node(value, at: codingPath) }
}

/// Where an encoder puts its value.
final class EncodedSlot {
    var node: EncodedNode?

    /// The object this slot holds, made on first use (asking twice gives the same one).
    func object() -> EncodedObject {
        if case .object(let object)? = node { return object }
        let object = EncodedObject()
        node = .object(object)
        return object
    }

    func array() -> EncodedArray {
        if case .array(let array)? = node { return array }
        let array = EncodedArray()
        node = .array(array)
        return array
    }
}

enum EncodedNode {
    /// JSON text as it is written: a number, `true`, `false`, `null`.
    case literal(String)
    /// A string, quoted and escaped when written.
    case text(String)
    case object(EncodedObject)
    case array(EncodedArray)

    func write(to out: inout [UInt8]) {
        switch self {
        case .literal(let text): out.append(contentsOf: text.utf8)
        case .text(let text): Self.quote(text, to: &out)
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (offset, member) in object.members.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (offset, element) in array.elements.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    static func quote(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            let escape: UInt8
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escape = byte
            case 0x0A: escape = UInt8(ascii: "n")
            case 0x0D: escape = UInt8(ascii: "r")
            case 0x09: escape = UInt8(ascii: "t")
            case 0..<0x20: escape = UInt8(ascii: "u")
            default:
                out.append(byte)
                continue
            }
            out.append(UInt8(ascii: "\\"))
            out.append(escape)
            if escape == UInt8(ascii: "u") {
                let hex: StaticString = "0123456789abcdef"
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "0"))
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 0xF)])
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

final class EncodedObject {
    var members: [(key: String, value: EncodedNode)] = []

    func set(_ key: String, _ value: EncodedNode) {
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append((key, value))
        }
    }
}

final class EncodedArray {
    var elements: [EncodedNode] = []
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: EncodedObject
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) { object.set(key.stringValue, .literal("null")) }
    mutating func encode(_ value: Bool, forKey key: Key) { object.set(key.stringValue, .literal(value ? "true" : "false")) }
    mutating func encode(_ value: String, forKey key: Key) { object.set(key.stringValue, .text(value)) }
    mutating func encode(_ value: Int, forKey key: Key) { object.set(key.stringValue, .literal(String(value))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(key.stringValue, try TreeEncoder.node(value, at: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        object.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        object.set(key.stringValue, .array(nested))
        return TreeUnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { member("super", key: Key(stringValue: "super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { member(key.stringValue, key: key) }

    /// An encoder for member `name`, which holds an object (a super-encoder's value is the
    /// members of a class's superclass: nothing else is supported there).
    private func member(_ name: String, key: Key?) -> any Encoder {
        let nested = EncodedObject()
        object.set(name, .object(nested))
        let slot = EncodedSlot()
        slot.node = .object(nested)
        return TreeEncoder(slot: slot, codingPath: codingPath + (key.map { [$0] } ?? []))
    }
}

struct TreeUnkeyedContainer: UnkeyedEncodingContainer {
    let array: EncodedArray
    let codingPath: [any CodingKey]
    var count: Int { array.elements.count }

    mutating func encodeNil() { array.elements.append(.literal("null")) }
    mutating func encode(_ value: String) { array.elements.append(.text(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        array.elements.append(try TreeEncoder.node(value, at: codingPath + [ElementKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        let path = codingPath + [ElementKey(count)]
        array.elements.append(.object(nested))
        return KeyedEncodingContainer(TreeKeyedContainer<NestedKey>(object: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        let path = codingPath + [ElementKey(count)]
        array.elements.append(.array(nested))
        return TreeUnkeyedContainer(array: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let slot = EncodedSlot()
        let path = codingPath + [ElementKey(count)]
        let placeholder = EncodedObject()
        array.elements.append(.object(placeholder))
        // As for a keyed container's super-encoder: an object.
        slot.node = .object(placeholder)
        return TreeEncoder(slot: slot, codingPath: path)
    }
}
