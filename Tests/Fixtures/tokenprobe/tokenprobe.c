/*
 * tokenprobe — a test plugin of market.connections/1 (ABI 1.4).
 * Tool "authorization": asks the host for the connection's access token and answers
 * {"authorization":"Bearer <token>"}, the header it would send; when the host has none, it
 * fails with the host's status and passes the host's message on, as a real plugin should.
 * market.connection-test/1 (ABI 1.5): config (a `probe_url` is set), credentials (the host
 * gives a token), request (GET probe_url with the token answers 2xx; else the service's words).
 * Concurrent.
 */
#define _POSIX_C_SOURCE 200809L
#include <market/market.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tokenprobe {
    const mk_host_t *host;
    const mk_connections_v1_t *connections;
    const mk_http_v1_t *http;
    char *probe_url; /* config "probe_url", or NULL */
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

/* The string value of "probe_url" in the config object (a test's URL: no escapes), or NULL. */
static char *probe_url(mk_str_t config) {
    static const char key[] = "\"probe_url\":\"";
    char *text = strndup(config.ptr ? config.ptr : "", config.len);
    char *start = text ? strstr(text, key) : NULL;
    char *url = NULL;
    if (start) {
        start += strlen(key);
        char *end = strchr(start, '"');
        if (end) url = strndup(start, (size_t)(end - start));
    }
    free(text);
    return url;
}

static mk_status_t create(const mk_host_t *host, mk_str_t config, void **out, mk_sink_t *error) {
    tokenprobe_t *probe = calloc(1, sizeof *probe);
    if (!probe) return MK_ERR_INTERNAL;
    probe->host = host;
    /* NULL on a host before 1.4 or without connections: the tool says so. */
    probe->connections = host->get_service(host, MK_CONNECTIONS_V1);
    probe->http = host->get_service(host, MK_HTTP_V1);
    probe->probe_url = probe_url(config);
    (void)error;
    *out = probe;
    return MK_OK;
}

static void destroy(void *instance) {
    tokenprobe_t *probe = instance;
    free(probe->probe_url);
    free(probe);
}

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

/* One step of the report: {"step":…,"ok":…,"detail":…}; `detail` has no quotes or backslashes here. */
static void step(mk_sink_t *report, int first, const char *name, int ok, const char *detail, size_t detail_len) {
    if (!first) puts_(report, ",");
    puts_(report, "{\"step\":\"");
    puts_(report, name);
    puts_(report, ok ? "\",\"ok\":true,\"detail\":\"" : "\",\"ok\":false,\"detail\":\"");
    for (size_t i = 0; i < detail_len; i++) {
        char c = detail[i];
        put(report, (c == '"' || c == '\\' || (unsigned char)c < 0x20) ? " " : &c, 1);
    }
    puts_(report, "\"}");
}

static mk_status_t test(void *instance, const mk_call_t *c, mk_sink_t *report, mk_sink_t *error) {
    tokenprobe_t *probe = instance;
    (void)error;
    puts_(report, "[");
    if (!probe->probe_url) {
        step(report, 1, "config", 0, "probe_url is not set", strlen("probe_url is not set"));
        return puts_(report, "]");
    }
    step(report, 1, "config", 1, "probe_url is set", strlen("probe_url is set"));
    buffer_t token = {NULL, 0}, message = {NULL, 0};
    mk_sink_t token_sink = {sizeof(mk_sink_t), &token, buffer_write};
    mk_sink_t message_sink = {sizeof(mk_sink_t), &message, buffer_write};
    mk_status_t status = probe->connections ? probe->connections->access_token(probe->host, &token_sink, &message_sink) : MK_ERR_UNSUPPORTED;
    if (status != MK_OK) {
        const char *why = message.data ? message.data : "the host offers no market.connections/1";
        step(report, 0, "credentials", 0, why, strlen(why));
    } else {
        step(report, 0, "credentials", 1, "the host gave an access token", strlen("the host gave an access token"));
        char header[4096];
        int header_len = snprintf(header, sizeof header, "Bearer %s", token.data ? token.data : "");
        mk_http_header_t headers[1] = {{{"Authorization", strlen("Authorization")}, {header, (size_t)header_len}}};
        mk_http_request_t request = {sizeof(mk_http_request_t), {"GET", 3}, {probe->probe_url, strlen(probe->probe_url)},
                                     headers, 1, {NULL, 0}, 10000, 65536};
        buffer_t body = {NULL, 0};
        mk_sink_t body_sink = {sizeof(mk_sink_t), &body, buffer_write};
        int32_t http_status = 0;
        status = probe->http->fetch(probe->host, &request, c, &http_status, NULL, &body_sink);
        char detail[512];
        int len;
        if (status != MK_OK) {
            len = snprintf(detail, sizeof detail, "the request failed with status %d", (int)status);
        } else {
            /* The service's own words: its status and the start of its answer. */
            len = snprintf(detail, sizeof detail, "HTTP %d: %.300s", (int)http_status, body.data ? body.data : "");
        }
        step(report, 0, "request", status == MK_OK && http_status >= 200 && http_status < 300, detail,
             (size_t)(len < (int)sizeof detail ? len : (int)sizeof detail - 1));
        free(body.data);
    }
    free(token.data);
    free(message.data);
    return puts_(report, "]");
}

static const mk_tools_v1_t tools = {sizeof(mk_tools_v1_t), list, call};
static const mk_connection_test_v1_t connection_test = {sizeof(mk_connection_test_v1_t), test};

static const void *get_capability(const char *id) {
    if (strcmp(id, MK_TOOLS_V1) == 0) return &tools;
    if (strcmp(id, MK_CONNECTION_TEST_V1) == 0) return &connection_test;
    return NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "tokenprobe", "1.0.0", NULL, MK_PLUGIN_CONCURRENT,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
