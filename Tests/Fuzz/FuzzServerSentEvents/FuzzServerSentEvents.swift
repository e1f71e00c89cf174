import FuzzSupport
import ModelProviderKit

/// Fuzzes the server-sent events parser model providers stream through: the input is fed in
/// pieces whose sizes come from its first byte, so line ends split across chunks (CR, LF, CRLF)
/// are exercised as they arrive from the network.
func fuzzOne(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let piece = Int(first % 16) + 1
    var parser = ServerSentEvents()
    var rest = bytes.dropFirst()
    while !rest.isEmpty {
        _ = parser.feed(Array(rest.prefix(piece)))
        rest = rest.dropFirst(piece)
    }
}


@main enum Harness {
    static func main() { FuzzMain.run(fuzzOne) }
}
