import Foundation
import PluginKit

/// The tenant's settings: its pipelines, each an ordered list of stages. Without any, one
/// pipeline "sales" with new → qualified → won / lost.
struct CRMSettings {
    struct Pipeline: Decodable {
        let id: String
        let stages: [String]
    }

    private struct Raw: Decodable {
        var pipelines: [Pipeline]?
    }

    static let defaultPipelines = [Pipeline(id: "sales", stages: ["new", "qualified", "won", "lost"])]

    /// In the order configured; the first is where a lead goes when none is named.
    let pipelines: [Pipeline]

    init(_ config: PluginConfig) throws {
        let configured = try config.decode(Raw.self).pipelines ?? []
        pipelines = configured.isEmpty ? Self.defaultPipelines : configured
        var ids = Set<String>()
        for pipeline in pipelines {
            guard ids.insert(pipeline.id).inserted else {
                throw PluginError(.invalidArgument, "pipeline '\(pipeline.id)' is configured twice; give each pipeline its own id")
            }
            guard !pipeline.stages.isEmpty, Set(pipeline.stages).count == pipeline.stages.count else {
                throw PluginError(.invalidArgument, "pipeline '\(pipeline.id)' needs at least one stage and no stage twice")
            }
        }
    }

    /// The pipeline named `id`, or the first when nil.
    func pipeline(_ id: String?) throws -> Pipeline {
        guard let id else { return pipelines[0] }
        guard let found = pipelines.first(where: { $0.id == id }) else {
            throw PluginError(.invalidArgument, "there is no pipeline '\(id.prefix(64))'; the pipelines are: \(pipelines.map(\.id).joined(separator: ", "))")
        }
        return found
    }

    /// `stage` if `pipeline` has it; else an error naming the valid stages.
    func stage(_ stage: String, in pipeline: Pipeline) throws -> String {
        guard pipeline.stages.contains(stage) else {
            throw PluginError(.invalidArgument, "stage '\(stage.prefix(64))' is not in pipeline '\(pipeline.id)'; valid stages: \(pipeline.stages.joined(separator: ", "))")
        }
        return stage
    }
}
