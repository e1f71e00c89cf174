import Foundation
import PluginKit

/// The account's deal pipelines (`GET /crm/v3/pipelines/deals`), kept for a minute: every
/// create_lead and move_lead checks its stage against them, and they rarely change.
final class PipelineCache: @unchecked Sendable {
    // @unchecked: `cached` is only touched under `lock`.
    static let lifetime: TimeInterval = 60
    private let lock = NSLock()
    private var cached: (pipelines: [PipelineList.Pipeline], at: Date)?

    func pipelines(_ client: HubSpotClient, context: CallContext?) throws -> [PipelineList.Pipeline] {
        lock.lock()
        if let cached, Date().timeIntervalSince(cached.at) < Self.lifetime {
            lock.unlock()
            return cached.pipelines
        }
        lock.unlock()
        let list = try client.get(PipelineList.self, "/crm/v3/pipelines/deals", context: context).results
            .sorted { ($0.displayOrder ?? 0, $0.id) < ($1.displayOrder ?? 0, $1.id) }
        guard !list.isEmpty else { throw PluginError(.upstream, "HubSpot lists no deal pipelines for this account") }
        lock.lock()
        cached = (list, Date())
        lock.unlock()
        return list
    }
}

extension PipelineList.Pipeline {
    /// The stages in their order in HubSpot's board.
    var orderedStages: [PipelineList.Stage] {
        stages.sorted { ($0.displayOrder ?? 0, $0.id) < ($1.displayOrder ?? 0, $1.id) }
    }

    /// The stage with id `name`, or labelled `name` (ignoring case): a model may say "Closed Won"
    /// for `closedwon`. Throws naming the valid stages.
    func stage(_ name: String) throws -> PipelineList.Stage {
        if let stage = stages.first(where: { $0.id == name }) ?? stages.first(where: { $0.label?.lowercased() == name.lowercased() }) {
            return stage
        }
        let valid = orderedStages.map { stage in stage.label.map { "\(stage.id) (\($0))" } ?? stage.id }
        throw PluginError(.invalidArgument, "stage '\(name.prefix(64))' is not in pipeline '\(id)'; valid stages: \(valid.joined(separator: ", "))")
    }
}

extension [PipelineList.Pipeline] {
    /// The pipeline with id or label `name`; the first (HubSpot's default) when nil.
    func pipeline(_ name: String?) throws -> PipelineList.Pipeline {
        guard let name else {
            guard let first else { throw PluginError(.upstream, "HubSpot lists no deal pipelines for this account") }
            return first
        }
        if let found = first(where: { $0.id == name }) ?? first(where: { $0.label?.lowercased() == name.lowercased() }) { return found }
        let known = map { pipeline in pipeline.label.map { "\(pipeline.id) (\($0))" } ?? pipeline.id }
        throw PluginError(.invalidArgument, "there is no pipeline '\(name.prefix(64))'; the pipelines are: \(known.joined(separator: ", "))")
    }
}
