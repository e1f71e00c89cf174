import ArgumentParser
import Foundation
import MarketCore
import MarketRegistry

/// `market trust list`
struct TrustListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the trusted publisher keys.")

    @OptionGroup var state: StateOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors(json: output.json) {
            let publishers = try ClientConfig.read(in: state.stateDirectory).publishers
            if output.json {
                printJSON(JSONValue.object(["publishers": .array(publishers.map { publisher in
                    .object(["id": .string(publisher.id), "key": .string(publisher.key), "name": publisher.name.map(JSONValue.string) ?? .null])
                })]).jsonText)
                return
            }
            if publishers.isEmpty { print("no publisher keys trusted; add one with `market trust add KEY.pub`") }
            for publisher in publishers { print("\(publisher.id)  \(publisher.name ?? "")") }
        }
    }
}
