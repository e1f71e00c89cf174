import MarketCore

/// The events the host publishes itself, each with a JSON Schema of its `data`: the first part
/// of the event-type catalogue (`market webhooks event-types`); docs/events.md lists them.
public enum HostEventTypes {
    private static func schema(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        .object(["type": .string("object"), "properties": .object(properties), "required": .array(required.map(JSONValue.string))])
    }

    private static let string = JSONValue.object(["type": .string("string")])
    private static let integer = JSONValue.object(["type": .string("integer")])
    private static let boolean = JSONValue.object(["type": .string("boolean")])
    private static let nullableString = JSONValue.object(["type": .array([.string("string"), .string("null")])])

    /// By type.
    public static let all: [String: PluginManifest.EventTypeDeclaration] = [
        "conversation.started": .init(description: "A conversation was started on a channel.",
                                      schema: schema(["channel": string, "chat_id": string, "user_id": string], required: ["channel"])),
        "message.received": .init(description: "The bot received a message.",
                                  schema: schema(["text": string, "user_id": string, "channel": string, "command": boolean], required: ["text"])),
        "llm.completed": .init(description: "A model call finished.",
                               schema: schema(["plugin": string, "model": string, "step": integer, "latency_ms": integer, "finish_reason": string,
                                               "prompt_tokens": integer, "completion_tokens": integer, "tool_calls": integer,
                                               "plugin_version": string, "library_sha256": string], required: ["plugin"])),
        "llm.failed": .init(description: "A model call failed.",
                            schema: schema(["plugin": string, "error_code": string, "step": integer, "latency_ms": integer,
                                            "plugin_version": string, "library_sha256": string], required: ["plugin", "error_code"])),
        "tool.called": .init(description: "A tool was called by the model or a slash command.",
                             schema: schema(["plugin": string, "tool": string, "via": string, "ok": boolean, "latency_ms": integer,
                                             "error_code": string, "plugin_version": string, "library_sha256": string], required: ["plugin", "tool", "ok"])),
        "message.sent": .init(description: "The bot sent a reply.", schema: schema(["text": string, "steps": integer], required: ["text"])),
        "feedback.received": .init(description: "A user rated a reply.",
                                   schema: schema(["value": .object(["enum": .array([.string("up"), .string("down")])]), "user_id": string], required: ["value"])),
        "delivery.dead": .init(description: "A message to a delivery target (a webhook endpoint) failed for good: its last attempt failed, or the plugin gave up on it.",
                               schema: schema(["target_id": string, "plugin": string, "event_id": string, "event_type": string, "attempts": integer,
                                               "error": nullableString], required: ["target_id", "event_id", "event_type"])),
        "connection.needs_reconnect": .init(description: "A tenant's connection to a plugin's service was refused (a revoked OAuth2 grant): a person must reconnect it.",
                                            schema: schema(["plugin": string, "kind": string, "error": string], required: ["plugin", "kind"])),
        "target.disabled": .init(description: "A delivery target (a webhook endpoint) was disabled: its destination is gone (HTTP 410), or it failed without a success for too long.",
                                 schema: schema(["target_id": string, "plugin": string, "reason": nullableString], required: ["target_id"])),
    ]
}
