extension PluginManifest {
    /// Checks what decoding cannot: identifiers, versions, paths and permission syntax.
    /// Throws `MANIFEST_INVALID` naming the first offending field.
    public func validate(source: String = "plugin.json") throws {
        func fail(_ field: String, _ problem: String, fix: String) -> MarketError {
            MarketError(.manifestInvalid, "\(source): field '\(field)' \(problem)", fix: fix)
        }
        guard Self.isIdentifier(id) else {
            throw fail("id", "is '\(id)', not 2–64 lower-case letters, digits or '-' starting with a letter",
                       fix: "use an id such as \"acme-crm\"")
        }
        guard SemanticVersion(version) != nil else {
            throw fail("version", "is '\(version)', not a semantic version", fix: "use MAJOR.MINOR.PATCH, e.g. \"1.0.0\"")
        }
        for (field, value) in [("name", name), ("summary", summary), ("publisher", publisher), ("license", license)]
        where value.trimmingSpaces.isEmpty {
            throw fail(field, "is empty", fix: "describe the plugin in a few words")
        }
        try validateSizes { fail($0, $1, fix: $2) }
        guard !kinds.isEmpty else {
            throw fail("kinds", "is empty", fix: "list what the plugin offers: tools, model, events, ingress, targets")
        }
        if let index = kinds.indices.first(where: { kinds[..<$0].contains(kinds[$0]) }) {
            throw fail("kinds[\(index)]", "repeats '\(kinds[index].rawValue)'", fix: "list each kind once")
        }
        let abiRange: VersionRange
        do {
            abiRange = try VersionRange(abi)
        } catch let error as MarketError {
            throw fail("abi", "is not a version range (\(error.message))", fix: "write the ABI range as \"^1.0\"")
        }
        // market.targets/1 came with ABI 1.1: a 1.0 host has no such capability to call.
        if kinds.contains(.targets), let first = SemanticVersion("1.0.0"), abiRange.contains(first) {
            throw fail("abi", "is '\(abi)', which admits ABI 1.0, but kind \"targets\" needs ABI 1.1 (market.targets/1)",
                       fix: "write \"abi\": \"^1.1\"")
        }
        guard Self.isRelativeLibraryPath(library) else {
            throw fail("library", "is '\(library)', not a relative path to a .so inside the plugin folder",
                       fix: "name the library file next to plugin.json, e.g. \"libacme.so\"")
        }
        switch (language, toolchain) {
        case (.swift, nil):
            throw fail("toolchain", "is required for Swift plugins", fix: "record the compiler that built it, e.g. \"swift-6.3.1\"")
        case (.swift, let value?) where !Self.isSwiftToolchain(value):
            throw fail("toolchain", "is '\(value)', not of the form swift-MAJOR.MINOR[.PATCH]", fix: "write e.g. \"swift-6.3.1\"")
        case (let other, _?) where other != .swift:
            throw fail("toolchain", "is only for Swift plugins", fix: "remove it: a \(other.rawValue) plugin needs only the header")
        default:
            break
        }
        try permissions.validate { fail($0, $1, fix: $2) }
        if kinds.contains(.ingress) != permissions.ingress {
            throw fail("permissions.ingress", permissions.ingress ? "is true but 'kinds' lacks \"ingress\"" : "must be true for a plugin of kind \"ingress\"",
                       fix: "list \"ingress\" in kinds and set permissions.ingress to true, or neither")
        }
        if let config {
            guard case .object(let schema) = config, schema["type"] == .string("object") else {
                throw fail("config", "must be a JSON Schema object with \"type\": \"object\"",
                           fix: "describe the settings as {\"type\":\"object\",\"properties\":{…}}")
            }
        }
        for (index, tool) in tools.enumerated() where !Self.isToolName(tool.name) {
            throw fail("tools[\(index)].name", "is '\(tool.name)', not 1–64 of A–Z a–z 0–9 _ . -", fix: "rename the tool")
        }
        try validateEventTypes { fail($0, $1, fix: $2) }
        try validateOAuth2 { fail($0, $1, fix: $2) }
        for (dependency, range) in dependencies.sorted(by: { $0.key < $1.key }) {
            guard Self.isIdentifier(dependency), dependency != id else {
                throw fail("dependencies.\(dependency)", dependency == id ? "names the plugin itself" : "is not a plugin id",
                           fix: "list other plugins by id, e.g. {\"acme-base\": \"^1.0\"}")
            }
            do {
                _ = try VersionRange(range)
            } catch let error as MarketError {
                throw fail("dependencies.\(dependency)", "is not a version range (\(error.message))", fix: "write a range such as \"^1.2\"")
            }
        }
    }

    public static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (2...64).contains(bytes.count), let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return bytes.allSatisfy { $0.isLowerAlphanumeric || $0 == UInt8(ascii: "-") } && bytes.last != UInt8(ascii: "-")
    }

    public static func isToolName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy {
            $0.isLowerAlphanumeric || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    static func isRelativeLibraryPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.hasPrefix("/") && !parts.contains("..") && !parts.contains("") && !parts.contains(".")
            && (path.hasSuffix(".so") || path.hasSuffix(".dylib"))
    }

    static func isSwiftToolchain(_ text: String) -> Bool {
        guard text.hasPrefix("swift-") else { return false }
        let parts = text.dropFirst("swift-".count).split(separator: ".", omittingEmptySubsequences: false)
        return (2...3).contains(parts.count) && SemanticVersion.numbers(parts) != nil
    }
}

extension PluginManifest {
    /// Each declared event type is one the plugin may emit, described, with an object schema.
    func validateEventTypes(_ fail: (String, String, String) -> MarketError) throws {
        for (type, declaration) in eventTypes.sorted(by: { $0.key < $1.key }) {
            guard permissions.events.emit.contains(type) else {
                throw fail("event_types.\(type.prefix(130))", "is not listed in permissions.events.emit",
                           "add \"\(type.prefix(130))\" to permissions.events.emit, or remove it from event_types")
            }
            guard !declaration.description.trimmingSpaces.isEmpty, declaration.description.count <= Limits.toolDescription else {
                throw fail("event_types.\(type).description", "is empty or over \(Limits.toolDescription) characters",
                           "say in a sentence when the event happens")
            }
            guard case .object = declaration.schema else {
                throw fail("event_types.\(type).schema", "is not a JSON Schema object", "describe the event's data as {\"type\":\"object\",\"properties\":{…}}")
            }
        }
    }
}

extension PluginManifest {
    /// An `oauth2` block names https endpoints (http only on loopback, for tests and local
    /// providers) and a plugin that may hold its client's id and secret.
    func validateOAuth2(_ fail: (String, String, String) -> MarketError) throws {
        guard let oauth2 else { return }
        for (field, url) in [("authorize_url", oauth2.authorizeURL), ("token_url", oauth2.tokenURL)] {
            let loopback = url.hasPrefix("http://127.0.0.1") || url.hasPrefix("http://localhost") || url.hasPrefix("http://[::1]")
            guard url.hasPrefix("https://") || loopback, url.count <= 500, !url.contains(where: \.isWhitespace) else {
                throw fail("oauth2.\(field)", "is not an https URL", "give the provider's endpoint, e.g. \"https://auth.example.com/oauth/token\"")
            }
        }
        for name in [OAuth2Declaration.clientIDSecret, OAuth2Declaration.clientSecretSecret] where !permissions.secrets.contains(name) {
            throw fail("permissions.secrets", "does not list \(name), which oauth2 needs", "add \"\(name)\" to permissions.secrets")
        }
    }
}

extension PluginManifest.Permissions {
    func validate(_ fail: (String, String, String) throws -> MarketError) throws {
        for (index, host) in network.enumerated() where !NetworkPermission.isValidPattern(host) {
            throw try fail("permissions.network[\(index)]", "is '\(host)', not a host name, '*.domain' or 'host:port'",
                           "write hosts such as \"api.example.com\" or \"*.example.com\", without a scheme or path")
        }
        for (index, name) in secrets.enumerated() where !PluginManifest.isToolName(name) {
            throw try fail("permissions.secrets[\(index)]", "is '\(name)', not 1–64 of A–Z a–z 0–9 _ . -", "rename the secret")
        }
        for (index, program) in processes.enumerated() where !Self.isProgram(program) {
            throw try fail("permissions.processes[\(index)]", "is '\(program)', not a program name or an absolute path",
                           "name a program such as \"python3\" (looked up on PATH) or \"/usr/bin/node\"")
        }
        for (index, pattern) in events.subscribe.enumerated() where !EventTypePattern.isValid(pattern) {
            throw try fail("permissions.events.subscribe[\(index)]", "is '\(pattern)', not an event type pattern",
                           "use dotted names with an optional trailing '*', e.g. \"lead.*\"")
        }
        for (index, type) in events.emit.enumerated() where !EventTypePattern.isValidType(type) {
            throw try fail("permissions.events.emit[\(index)]", "is '\(type)', not an event type",
                           "use dotted lower-case names, e.g. \"lead.created\"")
        }
    }
}

extension PluginManifest.Permissions {
    /// A bare name of `[A-Za-z0-9._+-]`, or an absolute path without `..` components.
    static func isProgram(_ text: String) -> Bool {
        let allowed = { (byte: UInt8) in byte.isLowerAlphanumeric || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || "._+-".utf8.contains(byte) }
        guard (1...255).contains(text.utf8.count) else { return false }
        if text.hasPrefix("/") {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            return !parts.isEmpty && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." && $0.utf8.allSatisfy(allowed) }
        }
        return text.utf8.allSatisfy(allowed) && text != "." && text != ".."
    }
}

extension UInt8 {
    var isDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }

    var isLowerAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}
