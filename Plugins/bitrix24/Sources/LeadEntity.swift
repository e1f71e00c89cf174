import Foundation
/// What "lead" means in Bitrix24 for this installation: a deal (`crm.deal.*`, stage in
/// STAGE_ID, pipelines are categories) or a lead (`crm.lead.*`, status in STATUS_ID).
extension Bitrix24Settings.Entity {
    /// `crm.deal` or `crm.lead`, before `.add`, `.get`, …
    var methods: String { self == .deal ? "crm.deal" : "crm.lead" }
    var stageField: String { self == .deal ? "STAGE_ID" : "STATUS_ID" }
    /// ENTITY_TYPE of `crm.timeline.comment.add`.
    var timelineType: String { rawValue }
    /// The prefix of a task's UF_CRM_TASK binding: `D_12`, `L_12`.
    var taskBinding: String { self == .deal ? "D_" : "L_" }
    /// The outbound events of this entity.
    var addEvent: String { self == .deal ? "ONCRMDEALADD" : "ONCRMLEADADD" }
    var updateEvent: String { self == .deal ? "ONCRMDEALUPDATE" : "ONCRMLEADUPDATE" }
}
