import Foundation
import PluginKit

/// The settings an owner sends to `prepare`, each member told apart as given, `null` or missing;
/// any other member is refused by name.
struct SettingsPatch: Decodable {
    enum Change<Value: Decodable>: Decodable {
        case keep
        case remove
        case set(Value)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = container.decodeNil() ? .remove : .set(try container.decode(Value.self))
        }

        func applied(to current: Value?, _ check: (Value) throws -> Value) rethrows -> Value? {
            switch self {
            case .keep: current
            case .remove: nil
            case .set(let value): try check(value)
            }
        }
    }

    var url: Change<String> = .keep
    var description: Change<String> = .keep
    var headers: Change<[String: String]> = .keep
    var asymmetric: Change<Bool> = .keep
    var timeout_seconds: Change<Int> = .keep
    /// An operator's own `whsec_` secret, moved to the secrets by `prepare`.
    var secret: Change<String> = .keep

    static let names = ["url", "description", "headers", "asymmetric", "timeout_seconds", "secret"]

    private struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            // public_key is made from the secret; a copy sent back with the settings is ignored.
            guard Self.names.contains(key.stringValue) || key.stringValue == "public_key" else {
                throw invalid(key.stringValue, "is not a setting of a webhook endpoint", "use \(Self.names.joined(separator: ", "))")
            }
        }
        func change<Value: Decodable>(_ name: String, _: Value.Type) throws -> Change<Value> {
            guard container.contains(Key(stringValue: name)) else { return .keep }
            do {
                return try container.decode(Change<Value>.self, forKey: Key(stringValue: name))
            } catch {
                throw invalid(name, "has the wrong type", "see docs/webhooks-signing.md for each setting")
            }
        }
        url = try change("url", String.self)
        description = try change("description", String.self)
        headers = try change("headers", [String: String].self)
        asymmetric = try change("asymmetric", Bool.self)
        timeout_seconds = try change("timeout_seconds", Int.self)
        secret = try change("secret", String.self)
    }

    /// Reads the request's settings; a bad one is `.invalidArgument` naming it.
    static func read(_ bytes: [UInt8]?) throws -> SettingsPatch {
        guard let bytes else { return SettingsPatch() }
        do {
            return try JSONDecoder().decode(SettingsPatch.self, from: Data(bytes))
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError(.invalidArgument, "settings is not a JSON object of settings: give url, description, headers, asymmetric, timeout_seconds")
        }
    }
}
