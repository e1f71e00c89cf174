import CRMKit
import Foundation
import PluginKit

/// The account's pipelines and their stages (`GET /api/v4/leads/pipelines`), read once a
/// minute at most. The contract's `pipeline` and `stage` are amoCRM's numeric ids in decimal;
/// a stage may also be named by its name (case ignored), since that is what people say.
struct AmoPipelines: Decodable {
    struct Pipeline: Decodable {
        let id: Int
        let name: String
        let is_main: Bool?
        let _embedded: Statuses

        var statuses: [Status] { _embedded.statuses }
    }

    struct Statuses: Decodable {
        let statuses: [Status]
    }

    struct Status: Decodable {
        let id: Int
        let name: String
        /// 1: the "unsorted" inbox stage, which no lead is put or moved into by hand.
        let type: Int?
    }

    private struct Embedded: Decodable {
        let pipelines: [Pipeline]
    }

    let pipelines: [Pipeline]

    private enum CodingKeys: String, CodingKey {
        case _embedded
    }

    init(from decoder: any Decoder) throws {
        pipelines = try decoder.container(keyedBy: CodingKeys.self).decode(Embedded.self, forKey: ._embedded).pipelines
    }

    /// The pipeline named by `id`, or the main one (else the first) when nil.
    func pipeline(_ id: String?) throws -> Pipeline {
        guard let id else {
            guard let main = pipelines.first(where: { $0.is_main == true }) ?? pipelines.first else {
                throw PluginError(.upstream, "the amoCRM account has no pipeline of leads")
            }
            return main
        }
        guard let found = pipelines.first(where: { String($0.id) == id || $0.name.lowercased() == id.lowercased() }) else {
            throw PluginError(.invalidArgument, "there is no pipeline '\(id.prefix(64))'; the pipelines are: \(pipelines.map { "\($0.id) (\($0.name))" }.joined(separator: ", "))")
        }
        return found
    }

    /// The stage `stage` (id or name) of `pipeline`; else an error naming the valid stages.
    func stage(_ stage: String, in pipeline: Pipeline) throws -> Status {
        let choosable = pipeline.statuses.filter { $0.type != 1 }
        guard let found = choosable.first(where: { String($0.id) == stage || $0.name.lowercased() == stage.lowercased() }) else {
            throw PluginError(.invalidArgument, "stage '\(stage.prefix(64))' is not in pipeline '\(pipeline.id)'; valid stages: \(choosable.map { "\($0.id) (\($0.name))" }.joined(separator: ", "))")
        }
        return found
    }

    /// Where a new lead goes when no stage is named: the pipeline's first stage after "unsorted".
    func firstStage(of pipeline: Pipeline) throws -> Status {
        guard let first = pipeline.statuses.first(where: { $0.type != 1 }) else {
            throw PluginError(.upstream, "pipeline \(pipeline.id) of the amoCRM account has no stage")
        }
        return first
    }
}

/// The pipelines of the instance's account, kept for a minute.
final class PipelineCache: @unchecked Sendable {
    // @unchecked: both fields are only touched under `lock`.
    private let lock = NSLock()
    private var pipelines: AmoPipelines?
    private var readAt: UInt64 = 0

    func pipelines(_ api: AmoAPI, context: CallContext) throws -> AmoPipelines {
        lock.lock()
        if let pipelines, monotonicNanoseconds() - readAt < 60_000_000_000 {
            lock.unlock()
            return pipelines
        }
        lock.unlock()
        guard let read = try api.get(AmoPipelines.self, "/api/v4/leads/pipelines", context: context) else {
            throw PluginError(.upstream, "the amoCRM account has no pipeline of leads")
        }
        lock.lock()
        pipelines = read
        readAt = monotonicNanoseconds()
        lock.unlock()
        return read
    }
}
