import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting

/// A plugin command's change of the desired state in the database (`--database URL`): read the
/// plugin's state, decide the new target, record it if nobody changed it meanwhile (with its
/// audit entry and NOTIFY), then wait for the live servers and print what each runs.
struct DesiredChange {
    /// Servers seen this recently count as live: three of their periodic passes.
    static let liveWindow: Duration = .seconds(90)

    let options: DesiredStateOptions
    let json: Bool

    /// Runs the change of `pluginID` as `action` (`plugin.install`, …). `decide` is given the
    /// current state and returns the change, or nil when there is nothing to change.
    func run(_ pluginID: String, action: String, decide: (DesiredPlugin?) async throws -> DesiredChanges.Decision?) async throws {
        let logger = Logger(label: "market.plugins")
        try await withStartedPool(connectionString: options.database ?? "", size: 1, logger: logger) { pool in
            try await Migrator().requireCurrent(using: pool)
            try await change(DesiredPlugins(pool: pool), pluginID, action: action, decide: decide)
        }
    }

    private func change(_ store: DesiredPlugins, _ pluginID: String, action: String,
                        decide: (DesiredPlugin?) async throws -> DesiredChanges.Decision?) async throws {
        let outcome = try await DesiredChanges.record(store, pluginID, action: action, expecting: options.ifGeneration,
                                                      by: .admin(actor: commandLineActor()), decide: decide)
        let (generation, wanted) = (outcome.generation, outcome.version)
        if !json {
            print(outcome.recorded ? "recorded \(pluginID) \(wanted ?? "uninstalled") as the desired state (generation \(generation))"
                                   : "\(pluginID) \(wanted ?? "uninstalled") is already the desired state (generation \(generation))")
        }
        var (nodes, states): ([String], [String: NodeState]) = ([], [:])
        if !options.noWait { (nodes, states) = try await waitForNodes(store, pluginID, generation: generation) }
        let converged = nodes.filter { states[$0]?.converged(at: generation) == true }
        let failure = converged.count == nodes.count ? nil : MarketError(
            .notConverged, "\(nodes.count - converged.count) of \(nodes.count) servers have not converged on \(pluginID) \(wanted ?? "uninstalled")",
            fix: "the change is recorded and they keep retrying with backoff; mend what their errors say (a registry they cannot reach, a root they do not trust)")
        guard json else {
            for node in nodes { print(Self.line(node, states[node], generation: generation)) }
            if !options.noWait, nodes.isEmpty { print("no server has reported yet; each converges when it starts") }
            if let failure { throw failure }
            return
        }
        var document: [String: JSONValue] = [
            "id": .string(pluginID), "version": wanted.map(JSONValue.string) ?? .null, "generation": .integer(generation),
            "nodes": .array(nodes.map { node in
                let state = states[node]
                return .object(["node": .string(node), "converged": .bool(converged.contains(node)),
                                "running": state?.runningVersion.map(JSONValue.string) ?? .null,
                                "error": state.flatMap { $0.generation >= generation ? $0.lastError : nil }.map(JSONValue.string) ?? .null])
            }),
        ]
        // One JSON document either way: the error goes in it rather than in a second one.
        if let failure {
            document["error"] = .object(["code": .string(failure.code.rawValue), "message": .string(failure.message), "fix": .string(failure.fix)])
        }
        printJSON(JSONValue.object(document).jsonText)
        if failure != nil { throw ExitCode.failure }
    }

    /// Waits until every live server acted on `generation` (converged or failed) or the timeout.
    private func waitForNodes(_ store: DesiredPlugins, _ pluginID: String, generation: Int64) async throws -> ([String], [String: NodeState]) {
        let deadline = ContinuousClock.now + .seconds(options.timeout)
        while true {
            let nodes = try await store.liveNodes(within: Self.liveWindow)
            let states = Dictionary(try await store.states(of: pluginID).map { ($0.nodeID, $0) }, uniquingKeysWith: { first, _ in first })
            let settled = nodes.allSatisfy { node in
                states[node].map { $0.converged(at: generation) || ($0.generation >= generation && $0.lastError != nil) } ?? false
            }
            if settled || ContinuousClock.now >= deadline { return (nodes, states) }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    static func line(_ node: String, _ state: NodeState?, generation: Int64) -> String {
        guard let state, state.generation >= generation else {
            return "\(node): pending (running \(state?.runningVersion ?? "nothing"))"
        }
        if let error = state.lastError {
            return "\(node): failed, keeps \(state.runningVersion ?? "nothing"): \(TerminalText.escape(error, multiline: false))"
        }
        return "\(node): converged, running \(state.runningVersion ?? "nothing (uninstalled)")"
    }
}

/// The audit log's actor for the operator at the command line: `cli:USER`.
func commandLineActor() -> String {
    let environment = ProcessInfo.processInfo.environment
    return "cli:\(environment["USER"] ?? environment["LOGNAME"] ?? ProcessInfo.processInfo.userName)"
}

extension MarketError.Code {
    /// A desired-state change was recorded but not every live server runs it yet.
    static let notConverged = Self(rawValue: "NOT_CONVERGED")
}

extension DesiredChange {
    /// The CLI's consent: `--yes` gives it.
    /// - Throws: `PERMISSIONS_CHANGED` when a new version declares other permissions than the
    ///   ones consented to, unless `yes`.
    static func consent(_ id: String, yes: Bool) -> DesiredChanges.Consent {
        { current, new in
            guard !yes else { return }
            throw MarketError(.permissionsChanged, "\(id) \(new.version) declares other permissions than \(current.version), whose permissions were consented to",
                              fix: "review them with `market info \(id)`, then run again with --yes to consent")
        }
    }

    /// Runs `body`, saying a refused change in the words of `words`.
    static func refusing<Value>(_ words: (DesiredChanges.Refusal) -> MarketError, _ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let refusal as DesiredChanges.Refusal {
            throw words(refusal)
        }
    }
}
