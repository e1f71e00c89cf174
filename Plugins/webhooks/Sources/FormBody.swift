import Foundation

/// An `application/x-www-form-urlencoded` body as a JSON object: each name once with its value,
/// a repeated name with an array of its values (as CRMs send `leads[0][id]=…` pairs, left as named).
enum FormBody {
    static func object(_ body: [UInt8]) -> [String: Any]? {
        guard let text = String(validating: body, as: UTF8.self) else { return nil }
        var object: [String: Any] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            switch object[name] {
            case nil: object[name] = value
            case let list as [String]: object[name] = list + [value]
            case let single as String: object[name] = [single, value]
            default: return nil
            }
        }
        return object
    }

    private static func decode(_ part: Substring) -> String? {
        part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
