/*
 * targetsink — a test plugin of market.targets/1, independent of the webhooks plugin.
 * prepare: settings need a "url"; "create" makes a secret {"secret":"whsec_…"}; "update" keeps
 * the secrets; "rotate_secret" makes a new one and keeps the old as "previous" for the overlap
 * ({"secret", "previous", "previous_until"}).
 * deliver: POSTs the envelope to settings.url through market.http/1 with the headers
 * webhook-id and x-attempt, and maps the answer: 2xx delivered, 410 disable_target, 429 retry
 * with Retry-After, anything else (or no answer) retry. Concurrent.
 */
#define _POSIX_C_SOURCE 200809L
#include <market/market.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tests of the CLI and the API build it as "webhooks", standing in for the real plugin. */
#ifndef TARGETSINK_ID
#define TARGETSINK_ID "targetsink"
#endif

typedef struct targetsink {
    const mk_host_t *host;
    const mk_http_v1_t *http;
} targetsink_t;

static mk_str_t str(const char *text) { return (mk_str_t){text, strlen(text)}; }

static mk_status_t put(mk_sink_t *sink, const char *text, size_t len) {
    return sink ? sink->write(sink->ctx, text, len) : MK_OK;
}

static mk_status_t puts_(mk_sink_t *sink, const char *text) { return put(sink, text, strlen(text)); }

/* The end of the JSON value starting at p (strings, objects and arrays balanced). */
static const char *value_end(const char *p, const char *end) {
    if (p >= end) return end;
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\') p++;
            else if (*p == '"') return p + 1;
        }
        return end;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') { p = value_end(p, end) - 1; continue; }
            if (*p == '{' || *p == '[') depth++;
            if (*p == '}' || *p == ']') { if (--depth == 0) return p + 1; }
        }
        return end;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']') p++;
    return p;
}

/* The value of top-level member `name` of the object `json`; {NULL, 0} when absent. */
static mk_str_t member(mk_str_t json, const char *name) {
    const char *p = json.ptr, *end = json.ptr + json.len;
    size_t n = strlen(name);
    while (p < end && *p != '{') p++;
    for (p++; p < end;) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\n')) p++;
        if (p >= end || *p != '"') break;
        const char *key = p + 1, *key_end = value_end(p, end) - 1;
        p = key_end + 1;
        while (p < end && (*p == ' ' || *p == ':')) p++;
        const char *v = p, *v_end = value_end(p, end);
        if ((size_t)(key_end - key) == n && memcmp(key, name, n) == 0) return (mk_str_t){v, (size_t)(v_end - v)};
        p = v_end;
    }
    return (mk_str_t){NULL, 0};
}

/* A string value without its quotes (no escapes expected in these tests), NUL-terminated. */
static int copy_string(mk_str_t value, char *out, size_t size) {
    if (value.len < 2 || value.ptr[0] != '"' || value.len - 2 >= size) return 0;
    memcpy(out, value.ptr + 1, value.len - 2);
    out[value.len - 2] = '\0';
    return 1;
}

static void new_secret(char out[64]) {
    unsigned char bytes[24];
    FILE *random = fopen("/dev/urandom", "rb");
    size_t got = random ? fread(bytes, 1, sizeof bytes, random) : 0;
    if (random) fclose(random);
    if (got != sizeof bytes) memset(bytes, 7, sizeof bytes);
    strcpy(out, "whsec_");
    for (size_t i = 0; i < sizeof bytes; i++) snprintf(out + 6 + 2 * i, 3, "%02x", bytes[i]);
}

static mk_status_t create(const mk_host_t *host, mk_str_t config_json, void **out_instance, mk_sink_t *error) {
    (void)config_json;
    targetsink_t *self = calloc(1, sizeof(targetsink_t));
    if (!self) {
        puts_(error, "out of memory");
        return MK_ERR_INTERNAL;
    }
    self->host = host;
    self->http = (const mk_http_v1_t *)host->get_service(host, MK_HTTP_V1);
    *out_instance = self;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t prepare(void *instance, mk_str_t request, const mk_call_t *call, mk_sink_t *out, mk_sink_t *error) {
    (void)instance;
    (void)call;
    char action[32], url[512], secret[64];
    if (!copy_string(member(request, "action"), action, sizeof action)) {
        puts_(error, "the request has no action");
        return MK_ERR_INVALID_ARGUMENT;
    }
    mk_str_t settings = member(request, "settings"), current = member(request, "current");
    mk_str_t current_settings = current.ptr ? member(current, "settings") : (mk_str_t){NULL, 0};
    mk_str_t current_secrets = current.ptr ? member(current, "secrets") : (mk_str_t){NULL, 0};
    if (strcmp(action, "rotate_secret") != 0 && (!settings.ptr || !copy_string(member(settings, "url"), url, sizeof url))) {
        if (!(current_settings.ptr && strcmp(action, "update") == 0)) {
            puts_(error, "settings.url is required: give the URL events are posted to");
            return MK_ERR_INVALID_ARGUMENT;
        }
        settings = current_settings;
    }
    puts_(out, "{\"settings\":");
    if (strcmp(action, "rotate_secret") == 0) put(out, current_settings.ptr, current_settings.len);
    else put(out, settings.ptr, settings.len);
    puts_(out, ",\"secrets\":");
    if (strcmp(action, "update") == 0 && current_secrets.ptr) {
        put(out, current_secrets.ptr, current_secrets.len);
    } else if (strcmp(action, "rotate_secret") == 0) {
        char old[64] = "", now[64] = "";
        copy_string(member(current_secrets, "secret"), old, sizeof old);
        copy_string(member(request, "now"), now, sizeof now);
        mk_str_t overlap = member(request, "overlap_seconds");
        new_secret(secret);
        char text[512];
        snprintf(text, sizeof text, "{\"secret\":\"%s\",\"previous\":\"%s\",\"rotated_at\":\"%s\",\"overlap_seconds\":%.*s}", secret, old, now,
                 (int)(overlap.ptr ? overlap.len : 1), overlap.ptr ? overlap.ptr : "0");
        puts_(out, text);
    } else {
        new_secret(secret);
        char text[128];
        snprintf(text, sizeof text, "{\"secret\":\"%s\"}", secret);
        puts_(out, text);
    }
    return puts_(out, "}");
}

typedef struct buffer {
    char data[1024];
    size_t len;
} buffer_t;

/* Keeps the first KiB; the rest is read and dropped. */
static mk_status_t keep(void *ctx, const char *ptr, size_t len) {
    buffer_t *buffer = ctx;
    size_t room = sizeof buffer->data - 1 - buffer->len;
    size_t n = len < room ? len : room;
    memcpy(buffer->data + buffer->len, ptr, n);
    buffer->len += n;
    buffer->data[buffer->len] = '\0';
    return MK_OK;
}

/* Writes `text` as a JSON string. */
static void put_escaped(mk_sink_t *out, const char *text, size_t len) {
    puts_(out, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        char escaped[8];
        if (c == '"' || c == '\\') { snprintf(escaped, sizeof escaped, "\\%c", c); puts_(out, escaped); }
        else if (c < 0x20) { snprintf(escaped, sizeof escaped, "\\u%04x", c); puts_(out, escaped); }
        else put(out, (const char *)&text[i], 1);
    }
    puts_(out, "\"");
}

static mk_status_t deliver(void *instance, mk_str_t envelope, mk_str_t target, const mk_call_t *call, mk_sink_t *out) {
    targetsink_t *self = instance;
    char url[512], id[256], attempt[16] = "0";
    if (!copy_string(member(member(target, "settings"), "url"), url, sizeof url) || !copy_string(member(envelope, "id"), id, sizeof id)) {
        return puts_(out, "{\"outcome\":\"failed\",\"error\":\"the target has no settings.url or the event no id\"}");
    }
    mk_str_t number = member(target, "attempt");
    if (number.ptr && number.len < sizeof attempt) { memcpy(attempt, number.ptr, number.len); attempt[number.len] = '\0'; }
    mk_http_header_t headers[3] = {{str("content-type"), str("application/json")}, {str("webhook-id"), str(id)}, {str("x-attempt"), str(attempt)}};
    mk_http_request_t request;
    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.method = str("POST");
    request.url = str(url);
    request.headers = headers;
    request.header_count = 3;
    request.body = envelope;
    request.timeout_ms = 5000;
    buffer_t head = {.len = 0}, body = {.len = 0};
    mk_sink_t head_sink = {sizeof(mk_sink_t), &head, keep}, body_sink = {sizeof(mk_sink_t), &body, keep};
    int32_t status = 0;
    mk_status_t rc = self->http->fetch(self->host, &request, call, &status, &head_sink, &body_sink);
    if (rc != MK_OK) {
        char text[128];
        snprintf(text, sizeof text, "{\"outcome\":\"retry\",\"error\":\"no answer (status code %d)\"}", rc);
        return puts_(out, text);
    }
    const char *outcome = status >= 200 && status < 300 ? "delivered" : status == 410 ? "disable_target" : "retry";
    char text[128];
    snprintf(text, sizeof text, "{\"outcome\":\"%s\",\"status\":%d", outcome, status);
    puts_(out, text);
    char retry_after[32];
    if (status == 429 && copy_string(member((mk_str_t){head.data, head.len}, "retry-after"), retry_after, sizeof retry_after)) {
        snprintf(text, sizeof text, ",\"retry_after_seconds\":%ld", strtol(retry_after, NULL, 10));
        puts_(out, text);
    }
    if (status == 410) puts_(out, ",\"error\":\"the destination answered 410 Gone\"");
    puts_(out, ",\"response\":");
    put_escaped(out, body.data, body.len);
    return puts_(out, "}");
}

static const mk_targets_v1_t targets = {sizeof(mk_targets_v1_t), prepare, deliver};

static const void *get_capability(const char *id) {
    return strcmp(id, MK_TARGETS_V1) == 0 ? &targets : NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, TARGETSINK_ID, "1.0.0", NULL, MK_PLUGIN_CONCURRENT,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
