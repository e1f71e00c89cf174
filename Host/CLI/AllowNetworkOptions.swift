import ArgumentParser
import Foundation
import MarketHTTP

/// `--allow-network`: the guarded address ranges a plugin's request may still reach when only a
/// wildcard network grant (`*`, `*.example.com`) allowed its host. Named hosts are never checked.
struct AllowNetworkOptions: ParsableArguments {
    /// Read when the option is not given, so tools and service files can set it once.
    static let environmentVariable = "MARKET_ALLOW_NETWORK"

    @Option(name: .customLong("allow-network"), help: ArgumentHelp(
        "Address ranges plugins may reach through a wildcard network grant: a comma-separated list of "
            + AddressRange.allCases.map(\.rawValue).joined(separator: ", ")
            + ", or all (default: none, or $\(Self.environmentVariable)). Example: --allow-network loopback for a receiver on this machine.",
        valueName: "ranges"))
    var allowNetwork: String?

    func validate() throws {
        do {
            _ = try ranges()
        } catch {
            throw ValidationError("--allow-network (or \(Self.environmentVariable)): \(error)")
        }
    }

    /// The ranges the option names, else the environment variable, else none.
    func ranges(environment: [String: String] = ProcessInfo.processInfo.environment) throws(AddressRangeError) -> Set<AddressRange> {
        try AddressRange.list(allowNetwork ?? environment[Self.environmentVariable] ?? "")
    }
}
