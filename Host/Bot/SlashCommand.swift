import Foundation
import MarketCore

/// A message starting with `/`: a command to the bot rather than to the model.
public enum SlashCommand: Sendable, Equatable {
    /// `/help` (and Telegram's `/start`): lists the tools.
    case help
    /// `/feedback up|down`.
    case feedback(up: Bool)
    /// `/TOOL key=value …` or `/PLUGIN.TOOL key=value …`: calls one tool directly.
    case tool(name: String, arguments: [String: JSONValue])

    /// Reads `text` as a command; nil when it does not start with `/`.
    ///
    /// Arguments are `key=value` pairs separated by spaces. A value in double or single quotes
    /// is a string and may hold spaces (`\"` and `\\` escape inside double quotes); any other
    /// value is JSON when it parses as JSON (`count=2`, `exact=true`, `tags=["a","b"]`), else a string.
    /// - Throws: `COMMAND_INVALID` for a malformed pair or an unterminated quote.
    public static func parse(_ text: String) throws -> SlashCommand? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("/"), trimmed.count > 1 else { return nil }
        let body = trimmed.dropFirst()
        let nameEnd = body.firstIndex(where: \.isWhitespace) ?? body.endIndex
        // Telegram appends the bot's name in groups: /help@my_bot.
        let name = String(body[..<nameEnd].split(separator: "@", maxSplits: 1).first ?? "")
        let rest = body[nameEnd...]
        switch name {
        case "help", "start":
            return .help
        case "feedback":
            switch rest.trimmingCharacters(in: .whitespaces).lowercased() {
            case "up", "+", "👍", "good": return .feedback(up: true)
            case "down", "-", "👎", "bad": return .feedback(up: false)
            default:
                throw MarketError(.commandInvalid, "/feedback takes up or down", fix: "send /feedback up or /feedback down")
            }
        default:
            guard PluginManifest.isToolName(name) else {
                throw MarketError(.commandInvalid, "/\(name.prefix(64)) is not a command or tool name", fix: "send /help to list the commands and tools")
            }
            return .tool(name: name, arguments: try arguments(String(rest), tool: name))
        }
    }

    static func arguments(_ text: String, tool: String) throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        var index = text.startIndex
        func malformed(_ problem: String) -> MarketError {
            MarketError(.commandInvalid, "the arguments of /\(tool) \(problem)",
                        fix: "write them as key=value, quoting values with spaces: /\(tool) text=\"two words\" count=2")
        }
        while true {
            while index < text.endIndex, text[index].isWhitespace { index = text.index(after: index) }
            guard index < text.endIndex else { break }
            guard let equals = text[index...].firstIndex(of: "="), !text[index..<equals].contains(where: \.isWhitespace) else {
                let word = text[index...].prefix { !$0.isWhitespace }
                throw malformed("have '\(word.prefix(40))' without a key=value form")
            }
            let key = String(text[index..<equals])
            guard !key.isEmpty else { throw malformed("have a value without a key") }
            index = text.index(after: equals)
            if index < text.endIndex, text[index] == "\"" || text[index] == "'" {
                let quote = text[index]
                var value = ""
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    let character = text[index]
                    index = text.index(after: index)
                    if character == quote { closed = true; break }
                    if character == "\\", quote == "\"", index < text.endIndex {
                        value.append(text[index])
                        index = text.index(after: index)
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { throw malformed("have an unterminated quote after \(key)=") }
                result[key] = .string(value)
            } else {
                let end = text[index...].firstIndex(where: \.isWhitespace) ?? text.endIndex
                let raw = String(text[index..<end])
                index = end
                result[key] = (try? JSONValue(parsing: raw)) ?? .string(raw)
            }
        }
        return result
    }
}
