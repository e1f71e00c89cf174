import JSONScanning

/// Indented JSON for people to read, such as a slash command's result in a chat. It is laid
/// out from the text itself, without building values: numbers and strings stay exactly as
/// written (a 64-bit id keeps every digit), and it costs a fraction of a parse into Foundation
/// objects and back, which every such reply would otherwise pay.
public enum JSONLayout {
    /// `text` with each element on a line of its own, indented two spaces a level, and object
    /// members sorted by key; empty containers stay `[]` and `{}`. Nil when `text` is not
    /// exactly one JSON value.
    public static func indented(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        let root: Node? = bytes.withUnsafeBytes { buffer in
            var scanner = JSONScanner(buffer)
            guard let root = node(&scanner, depth: 0) else { return nil }
            scanner.skipWhitespace()
            return scanner.atEnd ? root : nil
        }
        guard let root else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        write(root, depth: 0, of: bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// A value of the source text: scalars are byte ranges of it, copied out as they are.
    private indirect enum Node {
        case scalar(Range<Int>)
        case array([Node])
        /// Each member's key as written (quotes included) and its characters' UTF-8, to sort by.
        case object([(key: Range<Int>, sortKey: [UInt8], value: Node)])
    }

    /// Reads one value, checking it as it goes; nil when the text is not JSON.
    private static func node(_ scanner: inout JSONScanner, depth: Int) -> Node? {
        guard depth < JSONScanner.maximumDepth else { return nil }
        scanner.skipWhitespace()
        switch scanner.peek {
        case UInt8(ascii: "["):
            _ = scanner.consume(UInt8(ascii: "["))
            var elements: [Node] = []
            if scanner.consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                guard let element = node(&scanner, depth: depth + 1) else { return nil }
                elements.append(element)
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "]")) ? .array(elements) : nil
        case UInt8(ascii: "{"):
            _ = scanner.consume(UInt8(ascii: "{"))
            var members: [(key: Range<Int>, sortKey: [UInt8], value: Node)] = []
            if scanner.consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")),
                      let value = node(&scanner, depth: depth + 1) else { return nil }
                let sortKey = key.escaped ? Array(scanner.text(of: key).utf8) : Array(scanner.bytes[key.contents])
                members.append((key.contents.lowerBound - 1..<key.contents.upperBound + 1, sortKey, value))
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "}")) ? .object(members) : nil
        default:
            let start = scanner.index
            return scanner.skipValue(depth: depth) ? .scalar(start..<scanner.index) : nil
        }
    }

    private static func write(_ node: Node, depth: Int, of source: [UInt8], into output: inout [UInt8]) {
        func newline(_ depth: Int) {
            output.append(0x0A)
            output.append(contentsOf: repeatElement(0x20, count: depth * 2))
        }
        switch node {
        case .scalar(let range):
            output.append(contentsOf: source[range])
        case .array(let elements):
            guard !elements.isEmpty else { output.append(contentsOf: Array("[]".utf8)); return }
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                write(element, depth: depth + 1, of: source, into: &output)
            }
            newline(depth)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { output.append(contentsOf: Array("{}".utf8)); return }
            output.append(UInt8(ascii: "{"))
            // Sorted by the keys' characters, not their escapes; members with equal keys keep their order.
            let order = members.indices.sorted {
                members[$0].sortKey.lexicographicallyPrecedes(members[$1].sortKey) || (members[$0].sortKey == members[$1].sortKey && $0 < $1)
            }
            for (position, member) in order.map({ members[$0] }).enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                output.append(contentsOf: source[member.key])
                output.append(contentsOf: Array(": ".utf8))
                write(member.value, depth: depth + 1, of: source, into: &output)
            }
            newline(depth)
            output.append(UInt8(ascii: "}"))
        }
    }
}
