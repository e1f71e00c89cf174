import CRMKit
import Foundation

/// Bitrix24's records in the contract's shapes (docs/crm.md): ids in decimal, the portal's
/// local times in UTC, phones and e-mails (multi-fields) normalised.
enum BitrixRecords {
    static func contact(_ fields: BitrixValue, company: BitrixValue?) -> Contact {
        let name = ["NAME", "SECOND_NAME", "LAST_NAME"].compactMap { fields[$0]?.text?.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        let companyID = fields["COMPANY_ID"]?.text.flatMap { $0 == "0" ? nil : $0 }
        return Contact(id: fields["ID"]?.text ?? "", name: name, phones: phones(fields["PHONE"]), emails: emails(fields["EMAIL"]),
                       company_id: companyID, company: companyID == nil ? nil : company?["TITLE"]?.text,
                       created_at: time(fields["DATE_CREATE"]), updated_at: time(fields["DATE_MODIFY"]))
    }

    /// A deal or a lead; `contactItems` is the answer of `crm.<entity>.contact.items.get`.
    static func lead(_ fields: BitrixValue, contactItems: BitrixValue?, entity: Bitrix24Settings.Entity) -> Lead {
        var contacts: [String] = []
        let items = (contactItems?.items ?? []).sorted { ($0["SORT"]?.number ?? 0) < ($1["SORT"]?.number ?? 0) }
        for item in items { if let id = item["CONTACT_ID"]?.text, !contacts.contains(id) { contacts.append(id) } }
        if contacts.isEmpty, let id = fields["CONTACT_ID"]?.text, id != "0" { contacts = [id] }
        let stage = entity == .deal ? fields["STAGE_ID"]?.text : fields["STATUS_ID"]?.text
        return Lead(id: fields["ID"]?.text ?? "", title: fields["TITLE"]?.text ?? "", price: fields["OPPORTUNITY"]?.number,
                    pipeline: pipelineID(fields, entity: entity), stage: stage ?? "", contact_ids: contacts,
                    created_at: time(fields["DATE_CREATE"]), updated_at: time(fields["DATE_MODIFY"]))
    }

    static func pipelineID(_ fields: BitrixValue, entity: Bitrix24Settings.Entity) -> String {
        entity == .deal ? fields["CATEGORY_ID"]?.text ?? "0" : Pipelines.leadPipeline
    }

    /// The phones of a PHONE multi-field, normalised as the contract's; a value typed by hand
    /// that is no phone ("call the office") is left out, as the other CRMs leave it out.
    static func phones(_ field: BitrixValue?) -> [String] {
        ContactIdentity.phones(in: (field?.items ?? []).compactMap { $0["VALUE"]?.text })
    }

    /// The e-mail addresses of an EMAIL multi-field, normalised; what is no address is left out.
    static func emails(_ field: BitrixValue?) -> [String] {
        ContactIdentity.emails(in: (field?.items ?? []).compactMap { $0["VALUE"]?.text })
    }

    /// A Bitrix24 time (`2024-08-30T14:29:00+02:00`) in the contract's UTC form; "" when absent.
    static func time(_ value: BitrixValue?) -> String {
        guard let text = value?.text else { return "" }
        return (try? CRMClock.dueTime(text)) ?? text
    }

    /// The spellings of a normalised phone to look for: Bitrix24 compares digits, and a Russian
    /// number may be stored as dialled at home (8…) or with the country code (7…).
    static func spellings(_ phone: String) -> [String] {
        phone.count == 11 && phone.hasPrefix("7") ? [phone, "8" + phone.dropFirst()] : [phone]
    }

    /// A name as Bitrix24's NAME and LAST_NAME: the first word, then the rest.
    static func nameFields(_ name: String) -> [String: BitrixValue] {
        let words = name.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard let first = words.first else { return [:] }
        var fields: [String: BitrixValue] = ["NAME": .string(String(first))]
        if words.count > 1 { fields["LAST_NAME"] = .string(words[1].trimmingCharacters(in: .whitespaces)) }
        return fields
    }

    /// A multi-field value to add (no ID: Bitrix24 appends it).
    static func multiField(_ values: [String]) -> BitrixValue {
        .array(values.map { .object(["VALUE": .string($0), "VALUE_TYPE": .string("WORK")]) })
    }

    /// An id Bitrix24 could hold: a positive decimal number.
    static func isID(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 18 && text.allSatisfy { $0.isASCII && $0.isNumber } && text != "0"
    }
}
