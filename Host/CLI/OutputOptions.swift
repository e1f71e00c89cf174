import ArgumentParser
import Foundation
import MarketCore

/// `--json`, the one output option of every command that can print JSON instead of text.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    /// Prints `value` as indented JSON with sorted snake_case keys and RFC 3339 dates with milliseconds.
    func printJSON(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .timestampWithMilliseconds
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
