import CRMKit
import Foundation
import PluginKit

/// The pipelines and their stages: deal categories (`crm.category.list`) and their stages
/// (`crm.status.list`, ENTITY_ID `DEAL_STAGE` or `DEAL_STAGE_<category>`), or, for leads, the
/// one pipeline of lead statuses (ENTITY_ID `STATUS`). Kept for a minute, so a burst of
/// create_lead calls costs one read.
final class Pipelines: @unchecked Sendable {
    // @unchecked: the caches are only touched under `lock`.
    static let leadPipeline = "leads"
    static let lifetime: UInt64 = 60_000_000_000

    struct Pipeline: Sendable {
        let id: String
        let name: String
    }

    struct Stage: Sendable {
        let id: String
        let name: String
    }

    private let lock = NSLock()
    private var pipelines: (at: UInt64, list: [Pipeline])?
    private var stages: [String: (at: UInt64, list: [Stage])] = [:]
    let entity: Bitrix24Settings.Entity

    init(entity: Bitrix24Settings.Entity) {
        self.entity = entity
    }

    /// `pipeline` (nil: the default one) and `stage` (nil: its first) checked against the
    /// portal's, in Bitrix24's ids. A stage may be given without its category prefix (`WON` for
    /// `C1:WON`), in any case, or by its name.
    func resolve(pipeline: String?, stage: String?, client: Bitrix24Client, context: CallContext) throws -> (pipeline: String, stage: String) {
        let pipelines = try load(pipeline, client: client, context: context)
        let chosen: Pipeline
        if let pipeline {
            guard let found = pipelines.first(where: { $0.id == pipeline }) ?? pipelines.first(where: { $0.name.lowercased() == pipeline.lowercased() }) else {
                throw PluginError(.invalidArgument, "there is no pipeline '\(pipeline.prefix(64))'; the pipelines are: "
                                  + pipelines.map { "\($0.id) (\($0.name))" }.joined(separator: ", "))
            }
            chosen = found
        } else {
            guard let first = pipelines.first else { throw PluginError(.upstream, "Bitrix24 lists no pipelines (deal categories)") }
            chosen = first
        }
        let list = try stages(of: chosen.id, client: client, context: context)
        guard let stage else {
            guard let first = list.first else { throw PluginError(.upstream, "Bitrix24 lists no stages in pipeline '\(chosen.id)'") }
            return (chosen.id, first.id)
        }
        return (chosen.id, try Self.match(stage, in: list, pipeline: chosen.id))
    }

    /// The stage of `list` that `given` names.
    static func match(_ given: String, in list: [Stage], pipeline: String) throws -> String {
        let wanted = given.lowercased()
        let prefix = pipeline == "0" || pipeline == leadPipeline ? "" : "c\(pipeline):"
        if let stage = list.first(where: { $0.id == given })
            ?? list.first(where: { $0.id.lowercased() == wanted || $0.id.lowercased() == prefix + wanted })
            ?? list.first(where: { $0.name.lowercased() == wanted }) {
            return stage.id
        }
        throw PluginError(.invalidArgument, "stage '\(given.prefix(64))' is not in pipeline '\(pipeline)'; valid stages: "
                          + list.map(\.id).joined(separator: ", "))
    }

    /// The stages of `pipeline`, in order.
    func stages(of pipeline: String, client: Bitrix24Client, context: CallContext) throws -> [Stage] {
        if let cached = cachedStages(pipeline) { return cached }
        let answer = try client.call("crm.status.list", Self.stageQuery(pipeline, entity: entity), context: context)
        let list = Self.stages(answer["result"])
        store(stages: list, of: pipeline)
        return list
    }

    /// The pipelines, the default first. A read also caches the stages of `pipeline` (or of the
    /// default one), which the caller wants next.
    func load(_ pipeline: String?, client: Bitrix24Client, context: CallContext) throws -> [Pipeline] {
        if entity == .lead { return [Pipeline(id: Self.leadPipeline, name: "Leads")] }
        if let cached = cachedPipelines() { return cached }
        // One request: the categories and the stages most likely wanted next.
        let guess = pipeline.flatMap { BitrixRecords.isID($0) ? $0 : nil } ?? "0"
        let answer = try client.batch([
            .init("categories", "crm.category.list", [("entityTypeId", .int(2))]),
            .init("stages", "crm.status.list", Self.stageQuery(guess, entity: entity).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
        ], halt: false, context: context)
        let categories = try answer.result("categories", method: "crm.category.list", client: client)["categories"]?.items ?? []
        let sorted = categories.sorted { a, b in
            let (defaultA, defaultB) = (a["isDefault"]?.text == "Y", b["isDefault"]?.text == "Y")
            if defaultA != defaultB { return defaultA }
            return (a["sort"]?.number ?? 0, a["id"]?.number ?? 0) < (b["sort"]?.number ?? 0, b["id"]?.number ?? 0)
        }
        let list = sorted.compactMap { item in item["id"]?.text.map { Pipeline(id: $0, name: item["name"]?.text ?? $0) } }
            + (categories.isEmpty ? [Pipeline(id: "0", name: "General")] : [])
        storePipelines(list)
        if let result = answer.results["stages"] { store(stages: Self.stages(result), of: guess) }
        return list
    }

    static func stageQuery(_ pipeline: String, entity: Bitrix24Settings.Entity) -> [String: BitrixValue] {
        let entityID = entity == .lead ? "STATUS" : pipeline == "0" ? "DEAL_STAGE" : "DEAL_STAGE_\(pipeline)"
        return ["filter": .object(["ENTITY_ID": .string(entityID)]), "order": .object(["SORT": .string("ASC")])]
    }

    static func stages(_ result: BitrixValue?) -> [Stage] {
        (result?.items ?? []).sorted { ($0["SORT"]?.number ?? 0) < ($1["SORT"]?.number ?? 0) }
            .compactMap { item in item["STATUS_ID"]?.text.map { Stage(id: $0, name: item["NAME"]?.text ?? $0) } }
    }

    private func cachedPipelines() -> [Pipeline]? {
        lock.lock()
        defer { lock.unlock() }
        guard let pipelines, monotonicNanoseconds() - pipelines.at < Self.lifetime else { return nil }
        return pipelines.list
    }

    private func storePipelines(_ list: [Pipeline]) {
        lock.lock()
        pipelines = (monotonicNanoseconds(), list)
        lock.unlock()
    }

    private func cachedStages(_ pipeline: String) -> [Stage]? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = stages[pipeline], monotonicNanoseconds() - entry.at < Self.lifetime, !entry.list.isEmpty else { return nil }
        return entry.list
    }

    private func store(stages list: [Stage], of pipeline: String) {
        lock.lock()
        stages[pipeline] = (monotonicNanoseconds(), list)
        lock.unlock()
    }
}
