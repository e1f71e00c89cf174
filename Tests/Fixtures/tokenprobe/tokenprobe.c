/*
 * tokenprobe — a test plugin of market.connections/1 (ABI 1.4).
 * Tool "authorization": asks the host for the connection's access token and answers
 * {"authorization":"Bearer <token>"}, the header it would send; when the host has none, it
 * fails with the host's status and passes the host's message on, as a real plugin should.
 * Concurrent.
 */
#include <market/market.h>

#include <stdlib.h>
#include <string.h>

typedef struct tokenprobe {
    const mk_host_t *host;
    const mk_connections_v1_t *connections;
} tokenprobe_t;

/* A growable buffer behind an mk_sink_t. */
typedef struct buffer {
    char *data;
    size_t len;
} buffer_t;

static mk_status_t buffer_write(void *ctx, const char *ptr, size_t len) {
    buffer_t *buffer = ctx;
    char *grown = realloc(buffer->data, buffer->len + len + 1);
    if (!grown) return MK_ERR_TOO_LARGE;
    memcpy(grown + buffer->len, ptr, len);
    buffer->data = grown;
    buffer->len += len;
    buffer->data[buffer->len] = '\0';
    return MK_OK;
}

static mk_status_t put(mk_sink_t *sink, const char *text, size_t len) {
    return sink ? sink->write(sink->ctx, text, len) : MK_OK;
}

static mk_status_t puts_(mk_sink_t *sink, const char *text) { return put(sink, text, strlen(text)); }

static mk_status_t create(const mk_host_t *host, mk_str_t config, void **out, mk_sink_t *error) {
    (void)config;
    tokenprobe_t *probe = calloc(1, sizeof *probe);
    if (!probe) return MK_ERR_INTERNAL;
    probe->host = host;
    /* NULL on a host before 1.4 or without connections: the tool says so. */
    probe->connections = host->get_service(host, MK_CONNECTIONS_V1);
    (void)error;
    *out = probe;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t list(void *instance, mk_sink_t *out) {
    (void)instance;
    return puts_(out, "[{\"name\":\"authorization\",\"description\":\"The Authorization header this plugin would send.\","
                      "\"input_schema\":{\"type\":\"object\"}}]");
}

static mk_status_t call(void *instance, mk_str_t name, mk_str_t arguments, const mk_call_t *c, mk_sink_t *result, mk_sink_t *error) {
    (void)arguments;
    (void)c;
    tokenprobe_t *probe = instance;
    if (name.len != strlen("authorization") || memcmp(name.ptr, "authorization", name.len) != 0) {
        puts_(error, "no such tool");
        return MK_ERR_NOT_FOUND;
    }
    if (!probe->connections) {
        puts_(error, "the host offers no market.connections/1");
        return MK_ERR_UNSUPPORTED;
    }
    buffer_t token = {NULL, 0}, message = {NULL, 0};
    mk_sink_t token_sink = {sizeof(mk_sink_t), &token, buffer_write};
    mk_sink_t message_sink = {sizeof(mk_sink_t), &message, buffer_write};
    mk_status_t status = probe->connections->access_token(probe->host, &token_sink, &message_sink);
    if (status == MK_OK) {
        /* Tokens in these tests are plain ASCII without quotes or backslashes. */
        puts_(result, "{\"authorization\":\"Bearer ");
        put(result, token.data ? token.data : "", token.len);
        status = puts_(result, "\"}");
    } else {
        put(error, message.data ? message.data : "", message.len);
    }
    free(token.data);
    free(message.data);
    return status;
}

static const mk_tools_v1_t tools = {sizeof(mk_tools_v1_t), list, call};

static const void *get_capability(const char *id) { return strcmp(id, MK_TOOLS_V1) == 0 ? &tools : NULL; }

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "tokenprobe", "1.0.0", NULL, MK_PLUGIN_CONCURRENT,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
