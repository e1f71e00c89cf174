import ArgumentParser
import Foundation
import MarketCore

/// Runs a command body; a `MarketError` is printed as its code, message and fix, and the
/// command exits with status 1. With `json`, the error is instead the one JSON document on
/// standard output: `{"error": {"code", "message", "fix"}}`.
func reportingErrors(json: Bool = false, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as MarketError {
        if json {
            printJSON(JSONValue.object(["error": .object(["code": .string(error.code.rawValue), "message": .string(error.message), "fix": .string(error.fix)])]).jsonText)
            throw ExitCode.failure
        }
        // Messages may quote what a registry, package or plugin said: escaped, never raw.
        var text = "error: \(error.code): \(TerminalText.escape(error.message, multiline: true))\n"
        if !error.fix.isEmpty { text += "fix: \(TerminalText.escape(error.fix, multiline: true))\n" }
        FileHandle.standardError.write(Data(text.utf8))
        throw ExitCode.failure
    } catch is ConsentDeclined {
        if json {
            printJSON(JSONValue.object(["declined": .bool(true), "message": .string(ConsentDeclined.message)]).jsonText)
        } else {
            FileHandle.standardError.write(Data((ConsentDeclined.message + "\n").utf8))
        }
        throw ExitCode.failure
    }
}

/// Prints a JSON value with sorted keys, indented for people.
func printJSON(_ text: String) {
    guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
          let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
    else {
        print(text)
        return
    }
    print(String(decoding: pretty, as: UTF8.self))
}
