import JSONScanning

/// Checking JSON text against a schema in one pass over its bytes, without building a
/// `JSONValue`: the host does it on every tool call's arguments.
///
/// The verdict is exactly that of parsing the text and finding no repeated member name
/// (`JSONSyntax.firstRepeatedName(in:)`, at any depth, in values the schema leaves open too)
/// and no violations. Where the bytes alone cannot settle it cheaply (keywords that compare
/// whole values, a pattern, undeclared keys that are escaped or not ASCII, or more of them
/// than the walk keeps), the walk builds the value of that one subtree and asks `check`, so the
/// two never disagree. A refusal says nothing about why: `firstRepeatedName(in:)` and
/// `violations(of:)` on the parsed value explain it.
extension ConfigSchema {
    /// Whether `bytes` are one JSON value (whitespace around it allowed) that this schema
    /// accepts: true exactly when they parse, repeat no member name in any object, and
    /// `violations(of:)` finds nothing.
    public func accepts(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONScanner(bytes)
        guard root.accepts(&scanner, depth: 0) else { return false }
        scanner.skipWhitespace()
        guard scanner.atEnd else { return false }
        // Values the schema leaves open are only checked for syntax, and the parser refuses
        // some valid JSON (a lone surrogate escape, a number past a Double's range). The
        // scanner flags all such text, rarely seen in arguments: settle it on the parsed value.
        guard scanner.outsideCommonSubset else { return true }
        var fresh = JSONScanner(bytes)
        return root.acceptsValue(&fresh, depth: 0)
    }
}

/// What the byte walk needs of one node, worked out when the schema is compiled.
struct ByteWalkPlan: Sendable {
    /// The member names the walk matches keys against: the properties, then the required
    /// names that are not among them (those are checked as additional properties).
    let names: [String]
    /// `names` as bytes, for comparing unescaped ASCII keys in place.
    let nameBytes: [[UInt8]]
    /// The schema of each name; nil for a required name that is not a property.
    let nodes: [SchemaNode?]
    /// One bit per required name, by its index in `names`.
    let requiredMask: UInt64
    /// Whether the walk must build this node's value and `check` it: `enum`, `const`,
    /// `uniqueItems` and `pattern` need it, and so do names a 64-bit mask cannot hold or that
    /// are not ASCII (Swift compares those by canonical equivalence, as the parsed value's
    /// dictionary does: "\u{212A}" is the key "K").
    let needsValue: Bool

    init(properties: [String: SchemaNode], required: [String], comparesValues: Bool) {
        var names = Array(properties.keys)
        for name in required where properties[name] == nil && !names.contains(name) { names.append(name) }
        self.names = names
        nameBytes = names.map { Array($0.utf8) }
        nodes = names.map { properties[$0] }
        let fits = names.count <= 64 && nameBytes.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
        requiredMask = fits ? required.reduce(UInt64(0)) { mask, name in mask | 1 << UInt64(names.firstIndex(of: name)!) } : 0
        needsValue = comparesValues || !fits
    }

    /// The index in `names` of the key `token` holds, if it is one of them.
    func slot(of token: JSONScanner.StringToken, in scanner: JSONScanner) -> Int? {
        let raw = UnsafeRawBufferPointer(rebasing: scanner.bytes[token.contents])
        guard !token.escaped, raw.allSatisfy({ $0 < 0x80 }) else {
            // Rare: decoded, and compared as the parsed value's dictionary compares keys.
            return names.firstIndex(of: scanner.text(of: token))
        }
        for (index, name) in nameBytes.enumerated() where name.count == raw.count && name.elementsEqual(raw) { return index }
        return nil
    }
}

extension SchemaNode {
    /// Whether the value at the scanner (after whitespace) satisfies this node, consuming it.
    /// After false the scanner's position means nothing.
    func accepts(_ scanner: inout JSONScanner, depth: Int) -> Bool {
        guard depth < JSONScanner.maximumDepth else { return false }
        if plan.needsValue { return acceptsValue(&scanner, depth: depth) }
        scanner.skipWhitespace()
        switch scanner.peek {
        case UInt8(ascii: "\""):
            guard allows(.string), let token = scanner.string(), !token.loneSurrogate else { return false }
            guard minLength != nil || maxLength != nil else { return true }
            // JSON Schema counts code points; in checked UTF-8 those are the non-continuation bytes.
            let length = token.escaped
                ? scanner.text(of: token).unicodeScalars.count
                : scanner.bytes[token.contents].count { $0 & 0xC0 != 0x80 }
            return length >= (minLength ?? 0) && length <= (maxLength ?? .max)
        case UInt8(ascii: "{"):
            return allows(.object) && acceptsObject(&scanner, depth: depth)
        case UInt8(ascii: "["):
            return allows(.array) && acceptsArray(&scanner, depth: depth)
        case UInt8(ascii: "t"): return allows(.boolean) && scanner.literal("true")
        case UInt8(ascii: "f"): return allows(.boolean) && scanner.literal("false")
        case UInt8(ascii: "n"): return allows(.null) && scanner.null()
        default: return acceptsNumber(&scanner)
        }
    }

    private func allows(_ type: SchemaType) -> Bool { types?.contains(type) ?? true }

    /// The exact check, on the value built from the text: for what bytes alone cannot settle.
    /// A repeated member name anywhere in it is refused, as in the walk.
    func acceptsValue(_ scanner: inout JSONScanner, depth: Int) -> Bool {
        guard let value = JSONValue.read(&scanner, depth: depth, refusingRepeats: true) else { return false }
        var found: [SchemaViolation] = []
        check(value, at: "", assumingPresent: [], into: &found)
        return found.isEmpty
    }

    private func acceptsNumber(_ scanner: inout JSONScanner) -> Bool {
        guard let token = scanner.number() else { return false }
        let raw = UnsafeRawBufferPointer(rebasing: scanner.bytes[token.text])
        // As `JSONValue(parsing:)` reads it: an integer that fits 64 bits (but -0, whose sign
        // only a Double keeps) is exact, anything else a finite Double.
        let number: Double
        let whole: Bool
        if token.isInteger, let integer = Self.integer(raw), integer != 0 || raw.first != UInt8(ascii: "-") {
            number = Double(integer)
            whole = true
        } else {
            guard let parsed = Double(String(decoding: raw, as: UTF8.self)), parsed.isFinite else { return false }
            number = parsed
            whole = parsed.rounded(.towardZero) == parsed
        }
        guard allows(.number) || (whole && allows(.integer)) else { return false }
        var found: [SchemaViolation] = []
        checkNumber(number, at: "", into: &found)
        return found.isEmpty
    }

    /// The digits of an integer token as an `Int64`; nil when it does not fit.
    private static func integer(_ raw: UnsafeRawBufferPointer) -> Int64? {
        let negative = raw.first == UInt8(ascii: "-")
        var value: Int64 = 0
        for byte in raw.dropFirst(negative ? 1 : 0) {
            let digit = Int64(byte &- UInt8(ascii: "0"))
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            // Accumulated with the sign, so Int64.min fits.
            let (next, carry) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow, !carry else { return nil }
            value = next
        }
        return value
    }

    private func acceptsArray(_ scanner: inout JSONScanner, depth: Int) -> Bool {
        _ = scanner.consume(UInt8(ascii: "["))
        var count = 0
        if !scanner.consume(UInt8(ascii: "]")) {
            repeat {
                guard items?.accepts(&scanner, depth: depth + 1) ?? Self.acceptsOpen(&scanner, depth: depth + 1) else { return false }
                count += 1
            } while scanner.consume(UInt8(ascii: ","))
            guard scanner.consume(UInt8(ascii: "]")) else { return false }
        }
        return count >= (minItems ?? 0) && count <= (maxItems ?? .max)
    }

    private func acceptsObject(_ scanner: inout JSONScanner, depth: Int) -> Bool {
        let atStart = scanner
        _ = scanner.consume(UInt8(ascii: "{"))
        var seen: UInt64 = 0, members = 0
        var undeclared = UndeclaredKeys()
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = scanner.string(), !key.loneSurrogate, scanner.consume(UInt8(ascii: ":")) else { return false }
                members += 1
                if let slot = plan.slot(of: key, in: scanner) {
                    let bit: UInt64 = 1 << UInt64(slot)
                    // A repeated name: refused, whichever value a reader would keep.
                    guard seen & bit == 0 else { return false }
                    seen |= bit
                    if let node = plan.nodes[slot] {
                        guard node.accepts(&scanner, depth: depth + 1) else { return false }
                        continue
                    }
                } else {
                    switch undeclared.add(key, in: scanner) {
                    case .new: break
                    case .repeated: return false
                    case .unsure:
                        scanner = atStart
                        return acceptsValue(&scanner, depth: depth)
                    }
                }
                switch additionalProperties {
                case .allowed:
                    guard Self.acceptsOpen(&scanner, depth: depth + 1) else { return false }
                case .forbidden:
                    return false
                case .schema(let node):
                    guard node.accepts(&scanner, depth: depth + 1) else { return false }
                }
            } while scanner.consume(UInt8(ascii: ","))
            guard scanner.consume(UInt8(ascii: "}")) else { return false }
        }
        guard seen & plan.requiredMask == plan.requiredMask else { return false }
        // No name was repeated, so every member counts.
        return members >= (minProperties ?? 0) && members <= (maxProperties ?? .max)
    }

    /// Whether the value at the scanner, which the schema leaves open, is JSON with no object
    /// in it that repeats a member name; consumes it.
    private static func acceptsOpen(_ scanner: inout JSONScanner, depth: Int) -> Bool {
        guard depth < JSONScanner.maximumDepth else { return false }
        scanner.skipWhitespace()
        switch scanner.peek {
        case UInt8(ascii: "{"):
            let atStart = scanner
            _ = scanner.consume(UInt8(ascii: "{"))
            if scanner.consume(UInt8(ascii: "}")) { return true }
            var keys = UndeclaredKeys()
            repeat {
                guard let key = scanner.string(), !key.loneSurrogate, scanner.consume(UInt8(ascii: ":")) else { return false }
                switch keys.add(key, in: scanner) {
                case .new: break
                case .repeated: return false
                case .unsure:
                    scanner = atStart
                    return JSONValue.read(&scanner, depth: depth, refusingRepeats: true) != nil
                }
                guard acceptsOpen(&scanner, depth: depth + 1) else { return false }
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            _ = scanner.consume(UInt8(ascii: "["))
            if scanner.consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard acceptsOpen(&scanner, depth: depth + 1) else { return false }
            } while scanner.consume(UInt8(ascii: ","))
            return scanner.consume(UInt8(ascii: "]"))
        default:
            return scanner.skipValue(depth: depth)
        }
    }
}

/// The keys of one object that name none of its schema's properties, kept without allocating
/// so that a repeated one is found in the same pass. Keys written in plain ASCII (no escapes)
/// are the same name exactly when their bytes are; any other pair (`"\u0061"` and `"a"`, or
/// canonically equivalent `"é"` and `"e\u0301"`), and more keys than are kept, are `unsure`:
/// the object's value is built, and its dictionary compares the names.
struct UndeclaredKeys {
    enum Verdict { case new, repeated, unsure }

    private var plain = InlineArray<8, Range<Int>>(repeating: 0..<0)
    private var count = 0
    private var allPlain = true

    mutating func add(_ key: JSONScanner.StringToken, in scanner: JSONScanner) -> Verdict {
        let isPlain = !key.escaped && scanner.bytes[key.contents].allSatisfy { $0 < 0x80 }
        if count > 0 {
            // One key alone cannot repeat: a second one is compared only when both are plain.
            guard isPlain, allPlain, count < plain.count else { return .unsure }
            let raw = UnsafeRawBufferPointer(rebasing: scanner.bytes[key.contents])
            for index in 0..<count {
                let earlier = plain[index]
                if earlier.count == raw.count, UnsafeRawBufferPointer(rebasing: scanner.bytes[earlier]).elementsEqual(raw) { return .repeated }
            }
        }
        plain[count] = key.contents
        count += 1
        allPlain = allPlain && isPlain
        return .new
    }
}
