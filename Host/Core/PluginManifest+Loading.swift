import Foundation

extension PluginManifest {
    /// The file name of a manifest inside a plugin folder.
    public static let fileName = "plugin.json"

    /// Reads and validates the manifest at `url` (a plugin.json, or a folder holding one).
    public static func load(from url: URL) throws -> PluginManifest {
        let file = url.hasDirectoryPath || url.lastPathComponent != fileName ? url.appendingPathComponent(fileName) : url
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw MarketError(.manifestInvalid, "cannot read \(file.path)", fix: "check that the plugin folder holds a plugin.json", underlying: error)
        }
        return try parse(data, source: file.path)
    }

    /// Decodes and validates manifest JSON; errors name the field (`permissions.network[1]`).
    public static func parse(_ data: Data, source: String = "plugin.json") throws -> PluginManifest {
        guard data.count <= Limits.fileBytes else {
            throw MarketError(.manifestInvalid, "\(source) is \(data.count) bytes, over the cap of \(Limits.fileBytes)",
                              fix: "shorten its text; the README is the place for long descriptions")
        }
        let manifest: PluginManifest
        let wellFormed = data.withUnsafeBytes { JSONSyntax.isValid($0) }
        guard wellFormed else {
            throw MarketError(.manifestInvalid, "\(source): the file is not valid JSON", fix: "check its syntax (trailing commas and comments are not JSON)")
        }
        do {
            manifest = try JSONDecoder().decode(PluginManifest.self, from: data)
        } catch let error as DecodingError {
            throw MarketError(.manifestInvalid, "\(source): \(Self.explain(error))",
                              fix: "see docs/plugin-manifest.md for the fields and their types")
        } catch {
            throw MarketError(.manifestInvalid, "\(source) is not valid JSON", fix: "check its syntax", underlying: error)
        }
        try manifest.validate(source: source)
        return manifest
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "(top level)" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "field '\(path(context.codingPath + [key]))' is required"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(Self.describe(type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(Self.describe(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "the file is not valid JSON" }
            return "field '\(path(context.codingPath))' has an invalid value (\(context.debugDescription))"
        @unknown default:
            return "the manifest could not be decoded"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "an object or value of the documented shape"
        }
    }
}
