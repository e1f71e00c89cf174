import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market verify`
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every installed file against market.lock.",
        discussion: "Each plugin's current link must point at the locked version, its CHECKSUMS must be the one locked, and every file must match CHECKSUMS with none missing or added. Exits 1 with INSTALL_DAMAGED if any does not."
    )

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let installer = Installer(folder: state.stateDirectory, probe: InstallProbe.run)
            let results = try await BlockingWork.run { try installer.verify() }
            let damaged = results.filter { $0.problem != nil }
            if output.json {
                printJSON(JSONValue.object([
                    "ok": .bool(damaged.isEmpty),
                    "plugins": .array(results.map { .object(["id": .string($0.id), "version": .string($0.version), "ok": .bool($0.problem == nil),
                                                             "problem": $0.problem.map(JSONValue.string) ?? .null]) }),
                ]).jsonText)
                if !damaged.isEmpty { throw ExitCode.failure }
                return
            }
            for result in results {
                print(result.problem.map { "DAMAGED \(result.id) \(result.version): \($0)" } ?? "ok      \(result.id) \(result.version)")
            }
            guard damaged.isEmpty else {
                throw MarketError(.installDamaged, "\(damaged.count) of \(results.count) installed plugin(s) do not match market.lock",
                                  fix: "reinstall each one named: market install NAME@VERSION")
            }
            if results.isEmpty { print("no plugins installed") }
        }
    }
}
