/// A company, kept by the built-in CRM only: the contract shows it as a contact's
/// `company_id` and `company`.
struct Company: Codable {
    var id: String
    var name: String
    /// The name lower-cased and trimmed: "ACME " and "acme" are one company.
    var name_key: String
    var created_at: String
}
