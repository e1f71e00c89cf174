import Foundation

/// A tool: a name, a description, a JSON Schema for its input, and the code that runs it with
/// a decoded input and returns an encodable output.
public struct Tool {
    public let name: String
    public let description: String
    /// A JSON Schema object, as text.
    public let inputSchema: String
    let run: ([UInt8], CallContext) throws -> [UInt8]

    public init<Input: Decodable, Output: Encodable>(
        _ name: String, description: String, inputSchema: String = #"{"type":"object"}"#,
        run: @escaping (Input, CallContext) throws -> Output
    ) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
        // Whether the types read and write themselves by hand, asked once rather than per call.
        let readsByHand = Input.self as? any JSONViewDecodable.Type
        let writesByHand = Output.self is any JSONWritable.Type
        self.run = { arguments, context in
            let input: Input
            do {
                if let readsByHand {
                    input = try readsByHand.init(view: JSONView(parsing: arguments)) as! Input
                } else {
                    input = try PluginJSON.decode(Input.self, from: arguments)
                }
            } catch {
                throw PluginError(.invalidArgument, "the arguments for '\(name)' do not fit its schema: \(Tool.explain(error))")
            }
            let output = try run(input, context)
            if writesByHand, let writable = output as? any JSONWritable {
                var out: [UInt8] = []
                out.reserveCapacity(256)
                writable.writeJSON(to: &out)
                return out
            }
            return try PluginJSON.encode(output)
        }
    }

    /// The tool as a JSON object for `market.tools/1`'s list.
    var listing: String {
        ToolListing(name: name, description: description, inputSchema: inputSchema).json
    }

    static func explain(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case .dataCorrupted: return "not a JSON object"
        @unknown default: return "\(error)"
        }
    }
}

extension ToolListing {
    /// The listing as a JSON object for `market.tools/1`'s list.
    var json: String {
        var out = Array(#"{"name":"#.utf8)
        EncodedNode.quote(name, to: &out)
        out += #","description":"#.utf8
        EncodedNode.quote(description, to: &out)
        out += #","input_schema":"#.utf8
        out += inputSchema.utf8
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
