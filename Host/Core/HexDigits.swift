import Foundation

/// Lower-case hex of `bytes` (a digest, or part of one): the one formatter of digests, for the
/// registry's checksums and key ids and the plugin owner's library identities.
public func hexDigits(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}
