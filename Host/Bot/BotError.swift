import MarketCore

extension MarketError.Code {
    /// A tool's name cannot be offered to a model (too long once mapped), or a model named a
    /// tool that is not one of the tenant's.
    public static let toolNameInvalid = Self(rawValue: "TOOL_NAME_INVALID")
    /// A slash command could not be read: an unknown command, a malformed `key=value`.
    public static let commandInvalid = Self(rawValue: "COMMAND_INVALID")
    /// An experiment definition is invalid (weights, variants, id), or names no experiment.
    public static let experimentInvalid = Self(rawValue: "EXPERIMENT_INVALID")
    public static let experimentNotFound = Self(rawValue: "EXPERIMENT_NOT_FOUND")
    /// The tenant has more than one model provider enabled and none chosen.
    public static let modelAmbiguous = Self(rawValue: "MODEL_AMBIGUOUS")
    /// A message was addressed to a conversation the tenant does not have.
    public static let conversationNotFound = Self(rawValue: "CONVERSATION_NOT_FOUND")
    /// The model provider the settings or an experiment variant name is not enabled.
    public static let modelNotEnabled = Self(rawValue: "MODEL_NOT_ENABLED")
    /// A bot setting is out of range.
    public static let botSettingInvalid = Self(rawValue: "BOT_SETTING_INVALID")
}
