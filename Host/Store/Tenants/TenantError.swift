import MarketCore

/// The tenant layer's named errors. Messages name tenants, plugins, tokens and secrets by id
/// or name, never by value, and never carry SQL.
extension MarketError.Code {
    /// No tenant with that id (or it is not visible to the caller).
    public static let tenantNotFound = Self(rawValue: "TENANT_NOT_FOUND")
    /// A tenant with that id exists already.
    public static let tenantExists = Self(rawValue: "TENANT_EXISTS")
    /// A tenant id is not 1–64 of a–z 0–9 _ - starting with a letter or digit.
    public static let tenantIDInvalid = Self(rawValue: "TENANT_ID_INVALID")
    /// The caller's role does not allow the request (another tenant's data, an admin action).
    public static let accessDenied = Self(rawValue: "ACCESS_DENIED")
    /// No token with that id for that tenant.
    public static let tokenNotFound = Self(rawValue: "TOKEN_NOT_FOUND")
    /// The plugin is not installed (its manifest cannot be found).
    public static let pluginNotFound = Self(rawValue: "PLUGIN_NOT_FOUND")
    /// The plugin's manifest allows no secret of that name.
    public static let secretNotAllowed = Self(rawValue: "SECRET_NOT_ALLOWED")
    /// No stored secret of that name.
    public static let secretNotFound = Self(rawValue: "SECRET_NOT_FOUND")
    /// A stored secret failed authentication: it was altered, moved from another row, or sealed
    /// under another master key.
    public static let secretUnreadable = Self(rawValue: "SECRET_UNREADABLE")
    /// `MARKET_MASTER_KEY` or the key file does not hold a base64 32-byte key.
    public static let masterKeyInvalid = Self(rawValue: "MASTER_KEY_INVALID")
    /// The key file can be read by other users, or is not a plain file of this user.
    public static let masterKeyInsecure = Self(rawValue: "MASTER_KEY_INSECURE")
}
