import Foundation
import MarketTestSupport
import Testing

/// The help text is part of the interface: it names every command and shows how to use it.
@Suite struct HelpTests {
    @Test func theTopLevelHelpListsTheCommands() async throws {
        let output = try await MarketBinary.run(["--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("USAGE: market <subcommand>"))
        for command in ["new", "plugin"] { #expect(output.stdout.contains("  \(command) "), "missing \(command)") }
    }

    @Test func pluginHelpListsItsCommands() async throws {
        let output = try await MarketBinary.run(["plugin", "--help"])
        #expect(output.status == 0)
        for command in ["inspect", "call", "deliver"] { #expect(output.stdout.contains("  \(command) "), "missing \(command)") }
    }

    @Test func callHelpShowsAnExampleAndTheOptions() async throws {
        let output = try await MarketBinary.run(["plugin", "call", "--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("market plugin call .build/market-plugins/textkit word_count"))
        for option in ["--tenant", "--config", "--secret", "--state-dir", "--timeout"] { #expect(output.stdout.contains(option), "missing \(option)") }
    }

    @Test func newHelpNamesTheLanguages() async throws {
        let output = try await MarketBinary.run(["new", "--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("swift, c or rust"))
    }

    @Test func theVersionIsPrinted() async throws {
        let output = try await MarketBinary.run(["--version"])
        #expect(output.status == 0)
        #expect(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}
