import Foundation

/// Indented JSON for people to read, such as a slash command's result in a chat. It is laid
/// out from the text itself, without building values: numbers and strings stay exactly as
/// written (a 64-bit id keeps every digit), and it costs a fraction of a parse into Foundation
/// objects and back, which every such reply would otherwise pay.
public enum JSONLayout {
    /// `text` with each element on a line of its own, indented two spaces a level, and object
    /// members sorted by key; empty containers stay `[]` and `{}`. Nil when `text` is not
    /// exactly one JSON value.
    public static func indented(_ text: String) -> String? {
        guard JSONSyntax.isValid(text) else { return nil }
        let bytes = Array(text.utf8)
        var reader = Reader(bytes: bytes)
        let root = reader.value()
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        write(root, depth: 0, of: bytes, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// A value of the source text: scalars are byte ranges of it, copied out as they are.
    private indirect enum Node {
        case scalar(Range<Int>)
        case array([Node])
        case object([(key: Range<Int>, value: Node)])
    }

    /// Reads text that `JSONSyntax` has found valid, so it checks nothing itself.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func value() -> Node {
            skipSpace()
            switch bytes[index] {
            case UInt8(ascii: "["):
                index += 1
                var elements: [Node] = []
                while !closes(UInt8(ascii: "]")) { elements.append(value()) }
                return .array(elements)
            case UInt8(ascii: "{"):
                index += 1
                var members: [(key: Range<Int>, value: Node)] = []
                while !closes(UInt8(ascii: "}")) {
                    skipSpace()
                    let key = string()
                    skipSpace()
                    index += 1  // the colon
                    members.append((key, value()))
                }
                return .object(members)
            case UInt8(ascii: "\""):
                return .scalar(string())
            default:
                let start = index
                while index < bytes.count, !Self.ends(bytes[index]) { index += 1 }
                return .scalar(start..<index)
            }
        }

        /// Steps over a comma, or over the closing bracket and answers true.
        private mutating func closes(_ bracket: UInt8) -> Bool {
            skipSpace()
            if bytes[index] == UInt8(ascii: ",") { index += 1; skipSpace() }
            guard bytes[index] == bracket else { return false }
            index += 1
            return true
        }

        private mutating func string() -> Range<Int> {
            let start = index
            index += 1
            while bytes[index] != UInt8(ascii: "\"") { index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1 }
            index += 1
            return start..<index
        }

        private mutating func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
        private static func ends(_ byte: UInt8) -> Bool {
            isSpace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
        }
    }

    /// The UTF-8 of a key's characters, from its quoted text.
    private static func sortKey(_ quoted: ArraySlice<UInt8>) -> [UInt8] {
        let inner = quoted.dropFirst().dropLast()
        guard inner.contains(UInt8(ascii: "\\")) else { return Array(inner) }
        return Array(((try? JSONDecoder().decode(String.self, from: Data(quoted))) ?? "").utf8)
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
            let keys = members.map { sortKey(source[$0.key]) }
            let order = members.indices.sorted { keys[$0].lexicographicallyPrecedes(keys[$1]) || (keys[$0] == keys[$1] && $0 < $1) }
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
