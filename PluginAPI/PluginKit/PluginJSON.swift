/// JSON for plugins' Codable types, without Foundation's coders: a tool's arguments and
/// result and a cloud service's answers are read and written on every call, and on a call made
/// after a quiet moment (caches cold) Foundation's JSONDecoder and JSONEncoder cost more than the
/// rest of the plugin's work together. Same meaning as Foundation's with default strategies
/// (`TapeDecoder`, `TreeEncoder` say where they differ: member order, `/` unescaped).
public enum PluginJSON {
    /// `T` from JSON text. Throws `DecodingError` (`dataCorrupted` for text that is not JSON).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        try TapeDecoder(tape: tape(bytes), index: 0, codingPath: []).unwrap(type)
    }

    /// The index of `bytes`; throws `dataCorrupted` when they are not one JSON value.
    static func tape(_ bytes: some Collection<UInt8>) throws -> JSONTape {
        // In one copy, not element by element through Collection's witnesses.
        let read = bytes.withContiguousStorageIfAvailable { JSONTape(UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { JSONTape($0) }
        guard let tape = read else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "The given data was not valid JSON."))
        }
        return tape
    }

    /// `value` as compact JSON text. Throws `EncodingError` for a number JSON cannot hold.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try TreeEncoder.node(value, at: []).write(to: &out)
        return out
    }
}
