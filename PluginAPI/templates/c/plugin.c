/*
 * __PLUGIN_NAME__ — a Market plugin in C. It needs only include/market/market.h, and
 * include/market/json.h to read arguments and write results (see that header).
 * Add a tool: describe it in list_tools and answer it in call_tool.
 */
#include <market/json.h>
#include <market/market.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct plugin {
    const mk_host_t *host;
    const mk_log_v1_t *log;
} plugin_t;

static mk_str_t str(const char *text) {
    mk_str_t s = {text, strlen(text)};
    return s;
}

static mk_status_t put(mk_sink_t *sink, const char *text) {
    return sink ? sink->write(sink->ctx, text, strlen(text)) : MK_OK;
}

static mk_status_t create(const mk_host_t *host, mk_str_t config_json, void **out_instance, mk_sink_t *error) {
    (void)config_json;
    plugin_t *self = calloc(1, sizeof(plugin_t));
    if (!self) {
        put(error, "out of memory");
        return MK_ERR_INTERNAL;
    }
    self->host = host;
    self->log = (const mk_log_v1_t *)host->get_service(host, MK_LOG_V1);
    *out_instance = self;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t list_tools(void *instance, mk_sink_t *out) {
    (void)instance;
    return put(out, "[{\"name\":\"hello\",\"description\":\"Greet someone by name.\","
                    "\"input_schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}}]");
}

static mk_status_t call_tool(void *instance, mk_str_t name, mk_str_t args, const mk_call_t *call, mk_sink_t *result, mk_sink_t *error) {
    (void)instance;
    (void)call;
    if (name.len == 5 && memcmp(name.ptr, "hello", 5) == 0) {
        /* The host has checked args against the input_schema; check anyway, it is cheap. */
        mk_str_t value;
        char who[256];
        if (mk_json_member(args, "name", &value) != MK_OK || mk_json_string(value, who, sizeof who, NULL) != MK_OK) {
            put(error, "hello needs a \"name\" string of at most 255 bytes");
            return MK_ERR_INVALID_ARGUMENT;
        }
        /* Text from outside goes out through mk_json_write_string, which escapes it. */
        char greeting[300];
        snprintf(greeting, sizeof greeting, "Hello, %s!", who);
        mk_status_t status = mk_json_write_raw(result, "{\"greeting\":");
        if (status == MK_OK) status = mk_json_write_string(result, greeting, strlen(greeting));
        return status == MK_OK ? mk_json_write_raw(result, "}") : status;
    }
    put(error, "no such tool");
    return MK_ERR_NOT_FOUND;
}

static mk_status_t handle_event(void *instance, mk_str_t envelope, const mk_call_t *call, mk_sink_t *error) {
    (void)envelope;
    (void)call;
    (void)error;
    plugin_t *self = (plugin_t *)instance;
    if (self->log) self->log->log(self->host, MK_LOG_INFO, str("event received"), str("{}"));
    return MK_OK;
}

static const mk_tools_v1_t tools = {sizeof(mk_tools_v1_t), list_tools, call_tool};
static const mk_events_v1_t events = {sizeof(mk_events_v1_t), handle_event};

static const void *get_capability(const char *id) {
    if (strcmp(id, MK_TOOLS_V1) == 0) return &tools;
    if (strcmp(id, MK_EVENTS_V1) == 0) return &events;
    return NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "__PLUGIN_ID__", "0.1.0", NULL, MK_PLUGIN_SERIAL,
    create, destroy, get_capability,
};

/* The library's only exported symbol. */
MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
