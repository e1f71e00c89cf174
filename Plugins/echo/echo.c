/*
 * echo — a model provider in C that answers with the conversation's last user message.
 * No vendor, no network, no state: a bot works end to end with it before any model is set up,
 * and a benchmark measures the host alone. Concurrent: it keeps nothing between calls.
 */
#include <market/json.h>
#include <market/market.h>

#include <stdlib.h>
#include <string.h>

static mk_status_t put(mk_sink_t *sink, const char *text) {
    return sink->write(sink->ctx, text, strlen(text));
}

static mk_status_t create(const mk_host_t *host, mk_str_t config_json, void **out_instance, mk_sink_t *error) {
    (void)host;
    (void)config_json;
    /* Nothing to keep: the handle only marks the instance. */
    *out_instance = calloc(1, 1);
    if (!*out_instance) {
        put(error, "out of memory");
        return MK_ERR_INTERNAL;
    }
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

/*
 * The content of the last message whose role is "user" in `request`, as its JSON string span
 * (quotes included, escapes kept), or "" when there is none or it is not a plain string.
 */
static mk_status_t last_user_text(mk_str_t request, mk_str_t *text) {
    static const char empty[] = "\"\"";
    mk_str_t messages, message, role, content;
    size_t cursor = 0;
    mk_status_t status;
    text->ptr = empty;
    text->len = 2;
    if (mk_json_member(request, "messages", &messages) != MK_OK) return MK_ERR_INVALID_ARGUMENT;
    while ((status = mk_json_next_element(messages, &cursor, &message)) == MK_OK) {
        char name[16];
        if (mk_json_member(message, "role", &role) != MK_OK || mk_json_string(role, name, sizeof name, NULL) != MK_OK) continue;
        if (strcmp(name, "user") != 0) continue;
        if (mk_json_member(message, "content", &content) == MK_OK && content.len >= 2 && content.ptr[0] == '"') *text = content;
        else text->ptr = empty, text->len = 2;
    }
    return status == MK_ERR_NOT_FOUND ? MK_OK : status;
}

static mk_status_t complete(void *instance, mk_str_t request_json, const mk_call_t *call, mk_sink_t *deltas, mk_sink_t *result,
                            mk_sink_t *error, uint32_t *out_retry_after_ms) {
    (void)instance;
    (void)call;
    (void)out_retry_after_ms;
    mk_str_t text;
    if (last_user_text(request_json, &text) != MK_OK) {
        put(error, "the request has no \"messages\" array");
        return MK_ERR_UPSTREAM;
    }
    mk_status_t status = MK_OK;
    /* The span is a JSON string the host wrote, so it goes out as it came in. */
    if (deltas) {
        status = put(deltas, "{\"content\":");
        if (status == MK_OK) status = deltas->write(deltas->ctx, text.ptr, text.len);
        if (status == MK_OK) status = put(deltas, "}");
        if (status != MK_OK) return status;
    }
    status = put(result, "{\"message\":{\"role\":\"assistant\",\"content\":");
    if (status == MK_OK) status = result->write(result->ctx, text.ptr, text.len);
    if (status == MK_OK) status = put(result, "},\"finish_reason\":\"stop\",\"model\":\"echo\",\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0}}");
    return status;
}

static const mk_model_v1_t model = {sizeof(mk_model_v1_t), complete};

static const void *get_capability(const char *id) {
    return strcmp(id, MK_MODEL_V1) == 0 ? &model : NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "echo", "1.0.0", NULL, MK_PLUGIN_CONCURRENT,
    create, destroy, get_capability,
};

/* The library's only exported symbol. */
MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
