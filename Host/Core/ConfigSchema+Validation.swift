import Foundation

extension ConfigSchema {
    /// Every way `config` fails the schema, sorted by path; empty when it is valid.
    /// - Parameter assumingPresent: top-level names that count as present for `required`
    ///   although `config` lacks them (secret fields already stored encrypted).
    public func violations(of config: JSONValue, assumingPresent: Set<String> = []) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        root.check(config, at: "", assumingPresent: assumingPresent, into: &found)
        return found.enumerated().sorted { ($0.element.path, $0.offset) < ($1.element.path, $1.offset) }.map(\.element)
    }

    /// `config` with its defaults filled in, when that satisfies the schema.
    /// - Parameter subject: names the configuration in the error, e.g. `the config of openai`.
    /// - Throws: `CONFIG_INVALID` listing every violation (`error.violations`).
    /// - Parameter fix: what the error tells people to do.
    public func validated(_ config: JSONValue, assumingPresent: Set<String> = [], subject: String = "the configuration",
                          fix: String = "correct the fields listed; the plugin's plugin.json describes each setting") throws -> JSONValue {
        let filled = applyingDefaults(to: config)
        let found = violations(of: filled, assumingPresent: assumingPresent)
        guard found.isEmpty else {
            let list = found.map(\.description).joined(separator: "; ")
            throw MarketError(.configInvalid, "\(subject) is invalid: \(list)",
                              fix: fix, underlying: ConfigViolations(found))
        }
        return filled
    }
}

extension SchemaNode {
    func check(_ value: JSONValue, at path: String, assumingPresent: Set<String>, into found: inout [SchemaViolation]) {
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }
        if let types, !types.contains(where: { $0.matches(value) }) {
            // `number` accepts integers; an integer where a number is allowed is never reported.
            let wanted = types.map(\.withArticle)
            let list = wanted.count == 1 ? wanted[0] : wanted.dropLast().joined(separator: ", ") + " or " + wanted.last!
            fail("must be \(list), not \(SchemaType.of(value))")
            return
        }
        // JSONValue's == is JSON equality: numbers by value, objects whatever their key order.
        if let allowed, !allowed.contains(value) {
            fail("must be one of " + allowed.map(\.jsonText).joined(separator: ", "))
        }
        if let constant, constant != value {
            fail("must be \(constant.jsonText)")
        }
        switch value {
        case .integer(let integer): checkNumber(Double(integer), at: path, into: &found)
        case .number(let number): checkNumber(number, at: path, into: &found)
        case .string(let text): checkString(text, at: path, into: &found)
        case .array(let elements): checkArray(elements, at: path, into: &found)
        case .object(let members): checkObject(members, at: path, assumingPresent: assumingPresent, into: &found)
        case .null, .bool: break
        }
    }

    func checkNumber(_ number: Double, at path: String, into found: inout [SchemaViolation]) {
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }
        if let minimum, number < minimum { fail("must be >= \(minimum.schemaText)") }
        if let maximum, number > maximum { fail("must be <= \(maximum.schemaText)") }
        if let exclusiveMinimum, number <= exclusiveMinimum { fail("must be > \(exclusiveMinimum.schemaText)") }
        if let exclusiveMaximum, number >= exclusiveMaximum { fail("must be < \(exclusiveMaximum.schemaText)") }
        if let multipleOf {
            let quotient = number / multipleOf
            // A relative tolerance, so 0.3 counts as a multiple of 0.1 despite binary fractions.
            if (quotient - quotient.rounded()).magnitude > 1e-9 * max(1, quotient.magnitude) {
                fail("must be a multiple of \(multipleOf.schemaText)")
            }
        }
    }

    private func checkString(_ text: String, at path: String, into found: inout [SchemaViolation]) {
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }
        // JSON Schema counts characters as code points.
        let length = text.unicodeScalars.count
        if let minLength, length < minLength { fail("must have at least \(minLength) character\(minLength == 1 ? "" : "s")") }
        if let maxLength, length > maxLength { fail("must have at most \(maxLength) character\(maxLength == 1 ? "" : "s")") }
        if let pattern, !pattern.matches(text) { fail("must match the pattern \(pattern.source)") }
    }

    private func checkArray(_ elements: [JSONValue], at path: String, into found: inout [SchemaViolation]) {
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }
        if let minItems, elements.count < minItems { fail("must have at least \(minItems) item\(minItems == 1 ? "" : "s")") }
        if let maxItems, elements.count > maxItems { fail("must have at most \(maxItems) item\(maxItems == 1 ? "" : "s")") }
        if uniqueItems {
            outer: for (index, element) in elements.enumerated() {
                for earlier in 0..<index where elements[earlier] == element {
                    fail("must not repeat items (items \(earlier) and \(index) are equal)")
                    break outer
                }
            }
        }
        if let items {
            for (index, element) in elements.enumerated() {
                items.check(element, at: JSONPointer.appending(path, index), assumingPresent: [], into: &found)
            }
        }
    }

    private func checkObject(_ members: [String: JSONValue], at path: String, assumingPresent: Set<String>,
                             into found: inout [SchemaViolation]) {
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }
        if let minProperties, members.count < minProperties { fail("must have at least \(minProperties) propert\(minProperties == 1 ? "y" : "ies")") }
        if let maxProperties, members.count > maxProperties { fail("must have at most \(maxProperties) propert\(maxProperties == 1 ? "y" : "ies")") }
        for name in required where members[name] == nil && !assumingPresent.contains(name) {
            found.append(SchemaViolation(path: JSONPointer.appending(path, name), message: SchemaViolation.missingMessage))
        }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            let memberPath = JSONPointer.appending(path, name)
            if let schema = properties[name] {
                schema.check(member, at: memberPath, assumingPresent: [], into: &found)
                continue
            }
            switch additionalProperties {
            case .allowed: break
            case .schema(let schema): schema.check(member, at: memberPath, assumingPresent: [], into: &found)
            case .forbidden:
                let known = properties.keys.sorted()
                found.append(SchemaViolation(path: memberPath, message: known.isEmpty
                    ? "is not a known setting (this object takes none)"
                    : "is not a known setting (known: \(known.joined(separator: ", ")))"))
            }
        }
    }
}

extension Double {
    /// `2` for 2.0, `0.5` for 0.5: bounds as a schema author wrote them.
    var schemaText: String {
        if rounded(.towardZero) == self, magnitude < 1e15 { return String(Int64(self)) }
        return String(self)
    }
}

extension ConfigSchema {
    /// The violations of one top-level field's value, as if it were given alone.
    public func violations(ofField name: String, value: JSONValue) -> [SchemaViolation] {
        let path = JSONPointer.appending("", name)
        return violations(of: .object([name: value])).filter { $0.path == path || $0.path.hasPrefix(path + "/") }
    }
}
