/// The input schemas of the CRM tools (docs/crm.md). The host checks arguments against them
/// before the plugin runs, so a model's malformed call gets the field it got wrong.
public enum CRMToolSchemas {
    public static let findContact = #"""
        {"type":"object","additionalProperties":false,"properties":{
          "phone":{"type":"string","minLength":1,"maxLength":64,"description":"Any spelling: +7 (916) 123-45-67, 89161234567"},
          "email":{"type":"string","minLength":3,"maxLength":254},
          "query":{"type":"string","minLength":1,"maxLength":200,"description":"A part of the name"},
          "limit":{"type":"integer","minimum":1,"maximum":50}}}
        """#

    public static let upsertContact = #"""
        {"type":"object","additionalProperties":false,"properties":{
          "name":{"type":"string","maxLength":200},
          "phone":{"type":"string","minLength":1,"maxLength":64},
          "phones":{"type":"array","maxItems":20,"items":{"type":"string","minLength":1,"maxLength":64}},
          "email":{"type":"string","minLength":3,"maxLength":254},
          "emails":{"type":"array","maxItems":20,"items":{"type":"string","minLength":3,"maxLength":254}},
          "company":{"type":"string","maxLength":200}}}
        """#

    public static let createLead = #"""
        {"type":"object","additionalProperties":false,"required":["title"],"properties":{
          "title":{"type":"string","minLength":1,"maxLength":500},
          "price":{"type":"number","minimum":0},
          "pipeline":{"type":"string","minLength":1,"maxLength":64},
          "stage":{"type":"string","minLength":1,"maxLength":64},
          "contact_id":{"type":"string","minLength":1,"maxLength":256},
          "contact_ids":{"type":"array","maxItems":50,"items":{"type":"string","minLength":1,"maxLength":256}}}}
        """#

    public static let moveLead = #"""
        {"type":"object","additionalProperties":false,"required":["lead_id","stage"],"properties":{
          "lead_id":{"type":"string","minLength":1,"maxLength":256},
          "stage":{"type":"string","minLength":1,"maxLength":64}}}
        """#

    public static let addNote = #"""
        {"type":"object","additionalProperties":false,"required":["entity_type","entity_id","text"],"properties":{
          "entity_type":{"type":"string","enum":["contact","lead"]},
          "entity_id":{"type":"string","minLength":1,"maxLength":256},
          "text":{"type":"string","minLength":1,"maxLength":10000}}}
        """#

    public static let addTask = #"""
        {"type":"object","additionalProperties":false,"required":["entity_type","entity_id","text"],"properties":{
          "entity_type":{"type":"string","enum":["contact","lead"]},
          "entity_id":{"type":"string","minLength":1,"maxLength":256},
          "text":{"type":"string","minLength":1,"maxLength":10000},
          "due_at":{"type":"string","minLength":1,"maxLength":64,"description":"ISO 8601, e.g. 2026-03-01T09:30:00+03:00"}}}
        """#

    public static let listLeads = #"""
        {"type":"object","additionalProperties":false,"properties":{
          "pipeline":{"type":"string","minLength":1,"maxLength":64},
          "stage":{"type":"string","minLength":1,"maxLength":64},
          "contact_id":{"type":"string","minLength":1,"maxLength":256},
          "limit":{"type":"integer","minimum":1,"maximum":100},
          "cursor":{"type":"string","minLength":1,"maxLength":2000}}}
        """#
}
