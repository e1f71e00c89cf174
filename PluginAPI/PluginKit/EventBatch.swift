import Foundation
import JSONScanning

/// What became of one event of a batch (`market.event-batches/1`'s results, row by row).
public enum EventBatchOutcome: Sendable, Equatable {
    /// Handled; do not deliver again.
    case acknowledged
    /// Not handled now; deliver again on the retry schedule, with the reason for operators.
    case retry(String)
    /// Will never be handled; dead-letter it with the reason.
    case rejected(String)

    /// The results array of market/events.h: one entry per outcome, in order.
    static func resultsJSON(_ outcomes: [EventBatchOutcome]) -> [UInt8] {
        var out = Array("[".utf8)
        out.reserveCapacity(outcomes.count * 30 + 2)
        for (index, outcome) in outcomes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch outcome {
            case .acknowledged: out += Array(#"{"outcome":"acknowledged"}"#.utf8)
            case .retry(let why): out += Array(#"{"outcome":"retry","error":"#.utf8) + quoted(why) + [UInt8(ascii: "}")]
            case .rejected(let why): out += Array(#"{"outcome":"rejected","error":"#.utf8) + quoted(why) + [UInt8(ascii: "}")]
            }
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    private static func quoted(_ text: String) -> [UInt8] {
        (try? Array(JSONEncoder().encode(text))) ?? Array(#""""#.utf8)
    }
}

enum EventBatch {
    /// The elements of the host's JSON array of envelopes, each as its own bytes.
    static func envelopes(_ json: UnsafeRawBufferPointer) throws -> [[UInt8]] {
        let notAnArray = PluginError(.invalidArgument, "the events are not a JSON array")
        var scanner = JSONScanner(json)
        guard scanner.consume(UInt8(ascii: "[")) else { throw notAnArray }
        var elements: [[UInt8]] = []
        if !scanner.consume(UInt8(ascii: "]")) {
            repeat {
                scanner.skipWhitespace()
                let start = scanner.index
                guard scanner.skipValue(depth: 1) else { throw notAnArray }
                elements.append(Array(json[start..<scanner.index]))
            } while scanner.consume(UInt8(ascii: ","))
            guard scanner.consume(UInt8(ascii: "]")) else { throw notAnArray }
        }
        scanner.skipWhitespace()
        guard scanner.atEnd else { throw notAnArray }
        return elements
    }

    /// Decodes `envelopes`, hands the well-formed ones to `plugin` in one call, and answers one
    /// outcome per envelope: a malformed envelope is rejected on its own. A thrown error, or an
    /// answer without one outcome per event, fails the call (the host then retries every event).
    static func handle(_ plugin: any EventBatchPlugin, envelopes: [[UInt8]], context: CallContext) throws -> [EventBatchOutcome] {
        var outcomes = [EventBatchOutcome](repeating: .acknowledged, count: envelopes.count)
        var events: [Event] = []
        var positions: [Int] = []
        events.reserveCapacity(envelopes.count)
        for (index, envelope) in envelopes.enumerated() {
            do {
                events.append(try Event(envelope: envelope))
                positions.append(index)
            } catch let failure as PluginError {
                outcomes[index] = .rejected(failure.message)
            }
        }
        guard !events.isEmpty else { return outcomes }
        let handled = try plugin.handle(events: events, context: context)
        guard handled.count == events.count else {
            throw PluginError(.internal, "handle(events:) answered \(handled.count) outcomes for \(events.count) events")
        }
        for (position, outcome) in zip(positions, handled) { outcomes[position] = outcome }
        return outcomes
    }
}
