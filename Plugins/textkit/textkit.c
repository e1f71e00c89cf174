/*
 * textkit — a first-party plugin written in C against market/market.h alone.
 * Tools: word_count, fetch_status (through the host's market.http/1), events_seen.
 * Events: counts every event it receives in the host's key-value store.
 * Serial: the host never calls one instance from two threads at once.
 */
#include <market/market.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct textkit {
    const mk_host_t *host;
    const mk_kv_v1_t *kv;
    const mk_http_v1_t *http;
    const mk_log_v1_t *log;
} textkit_t;

static mk_str_t str(const char *text) {
    mk_str_t s = {text, strlen(text)};
    return s;
}

static mk_status_t put(mk_sink_t *sink, const char *text) {
    return sink ? sink->write(sink->ctx, text, strlen(text)) : MK_OK;
}

/* A sink that fills a fixed buffer; used to read small values back from the host. */
typedef struct fixed_buffer {
    char data[256];
    size_t len;
    size_t total;
} fixed_buffer_t;

static mk_status_t fixed_write(void *ctx, const char *ptr, size_t len) {
    fixed_buffer_t *buffer = (fixed_buffer_t *)ctx;
    size_t room = sizeof(buffer->data) - 1 - buffer->len;
    size_t take = len < room ? len : room;
    memcpy(buffer->data + buffer->len, ptr, take);
    buffer->len += take;
    buffer->data[buffer->len] = '\0';
    buffer->total += len;
    return MK_OK;
}

static mk_sink_t fixed_sink(fixed_buffer_t *buffer) {
    mk_sink_t sink = {sizeof(mk_sink_t), buffer, fixed_write};
    memset(buffer, 0, sizeof(*buffer));
    return sink;
}

/*
 * Finds the string value of `key` in a flat JSON object and decodes its common escapes into a
 * new NUL-terminated buffer (caller frees). Returns NULL when the key is absent or not a string.
 */
static char *json_string(mk_str_t json, const char *key) {
    size_t key_len = strlen(key);
    for (size_t i = 0; i + key_len + 2 <= json.len; i++) {
        if (json.ptr[i] != '"' || memcmp(json.ptr + i + 1, key, key_len) != 0 || json.ptr[i + 1 + key_len] != '"') continue;
        size_t j = i + key_len + 2;
        while (j < json.len && (json.ptr[j] == ' ' || json.ptr[j] == '\t' || json.ptr[j] == '\n' || json.ptr[j] == '\r')) j++;
        if (j >= json.len || json.ptr[j] != ':') continue;
        j++;
        while (j < json.len && (json.ptr[j] == ' ' || json.ptr[j] == '\t' || json.ptr[j] == '\n' || json.ptr[j] == '\r')) j++;
        if (j >= json.len || json.ptr[j] != '"') return NULL;
        char *out = malloc(json.len - j + 1);
        if (!out) return NULL;
        size_t n = 0;
        for (j++; j < json.len && json.ptr[j] != '"'; j++) {
            char c = json.ptr[j];
            if (c == '\\' && j + 1 < json.len) {
                c = json.ptr[++j];
                if (c == 'n') c = '\n';
                else if (c == 't') c = '\t';
                else if (c == 'r') c = '\r';
                else if (c == 'u') { j += 4; c = '?'; }
            }
            out[n++] = c;
        }
        out[n] = '\0';
        return out;
    }
    return NULL;
}

static mk_status_t create(const mk_host_t *host, mk_str_t config_json, void **out_instance, mk_sink_t *error) {
    (void)config_json;
    textkit_t *self = calloc(1, sizeof(textkit_t));
    if (!self) {
        put(error, "out of memory");
        return MK_ERR_INTERNAL;
    }
    self->host = host;
    self->kv = (const mk_kv_v1_t *)host->get_service(host, MK_KV_V1);
    self->http = (const mk_http_v1_t *)host->get_service(host, MK_HTTP_V1);
    self->log = (const mk_log_v1_t *)host->get_service(host, MK_LOG_V1);
    *out_instance = self;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t list_tools(void *instance, mk_sink_t *out) {
    (void)instance;
    return put(out,
               "[{\"name\":\"word_count\",\"description\":\"Count the words, lines and characters of a text.\","
               "\"input_schema\":{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}},"
               "{\"name\":\"fetch_status\",\"description\":\"Fetch a URL and report its HTTP status and size.\","
               "\"input_schema\":{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\",\"format\":\"uri\"}},\"required\":[\"url\"]}},"
               "{\"name\":\"events_seen\",\"description\":\"How many events this plugin has received.\","
               "\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]");
}

static mk_status_t word_count(mk_str_t args, mk_sink_t *result, mk_sink_t *error) {
    char *text = json_string(args, "text");
    if (!text) {
        put(error, "word_count needs a \"text\" string");
        return MK_ERR_INVALID_ARGUMENT;
    }
    size_t words = 0, lines = 0, characters = 0;
    int in_word = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p & 0xC0) != 0x80) characters++; /* count UTF-8 code points, not bytes */
        if (*p == '\n') lines++;
        int space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
        if (!space && !in_word) words++;
        in_word = !space;
    }
    if (characters > 0) lines++;
    free(text);
    char out[128];
    snprintf(out, sizeof out, "{\"words\":%zu,\"lines\":%zu,\"characters\":%zu}", words, lines, characters);
    return put(result, out);
}

/* Counts body bytes without keeping them. */
static mk_status_t count_bytes(void *ctx, const char *ptr, size_t len) {
    (void)ptr;
    *(size_t *)ctx += len;
    return MK_OK;
}

static mk_status_t fetch_status(textkit_t *self, mk_str_t args, const mk_call_t *call, mk_sink_t *result, mk_sink_t *error) {
    if (!self->http) {
        put(error, "the host offers no HTTP client");
        return MK_ERR_UNSUPPORTED;
    }
    char *url = json_string(args, "url");
    if (!url) {
        put(error, "fetch_status needs a \"url\" string");
        return MK_ERR_INVALID_ARGUMENT;
    }
    mk_http_request_t request;
    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.method = str("GET");
    request.url = str(url);
    request.timeout_ms = 10000;
    size_t bytes = 0;
    mk_sink_t body = {sizeof(mk_sink_t), &bytes, count_bytes};
    int32_t status = 0;
    mk_status_t rc = self->http->fetch(self->host, &request, call, &status, NULL, &body);
    free(url);
    if (rc != MK_OK) {
        char message[96];
        snprintf(message, sizeof message, "the request failed with status code %d%s", rc,
                 rc == MK_ERR_PERMISSION_DENIED ? " (PERMISSION_DENIED: the host is not declared)" : "");
        put(error, message);
        return rc;
    }
    char out[96];
    snprintf(out, sizeof out, "{\"status\":%d,\"bytes\":%zu}", status, bytes);
    return put(result, out);
}

static mk_status_t events_seen(textkit_t *self, mk_sink_t *result) {
    fixed_buffer_t count, type;
    mk_sink_t count_sink = fixed_sink(&count), type_sink = fixed_sink(&type);
    int have_count = self->kv && self->kv->get(self->host, str("events/count"), &count_sink) == MK_OK;
    int have_type = self->kv && self->kv->get(self->host, str("events/last-type"), &type_sink) == MK_OK;
    char out[384];
    /* Event types are restricted to [a-z0-9._-], so they need no escaping. */
    if (have_type) snprintf(out, sizeof out, "{\"events_seen\":%ld,\"last_type\":\"%s\"}", have_count ? atol(count.data) : 0L, type.data);
    else snprintf(out, sizeof out, "{\"events_seen\":%ld,\"last_type\":null}", have_count ? atol(count.data) : 0L);
    return put(result, out);
}

static mk_status_t call_tool(void *instance, mk_str_t name, mk_str_t args, const mk_call_t *call, mk_sink_t *result, mk_sink_t *error) {
    textkit_t *self = (textkit_t *)instance;
    if (name.len == 10 && memcmp(name.ptr, "word_count", 10) == 0) return word_count(args, result, error);
    if (name.len == 12 && memcmp(name.ptr, "fetch_status", 12) == 0) return fetch_status(self, args, call, result, error);
    if (name.len == 11 && memcmp(name.ptr, "events_seen", 11) == 0) return events_seen(self, result);
    put(error, "textkit has no such tool");
    return MK_ERR_NOT_FOUND;
}

static mk_status_t handle_event(void *instance, mk_str_t envelope, const mk_call_t *call, mk_sink_t *error) {
    (void)call;
    textkit_t *self = (textkit_t *)instance;
    if (!self->kv) {
        put(error, "the host offers no key-value store");
        return MK_ERR_RETRY_LATER;
    }
    char *type = json_string(envelope, "type");
    if (!type) {
        put(error, "the envelope has no type");
        return MK_ERR_REJECTED;
    }
    fixed_buffer_t count;
    mk_sink_t count_sink = fixed_sink(&count);
    long seen = self->kv->get(self->host, str("events/count"), &count_sink) == MK_OK ? atol(count.data) : 0;
    char text[32];
    snprintf(text, sizeof text, "%ld", seen + 1);
    mk_status_t rc = self->kv->put(self->host, str("events/count"), str(text));
    if (rc == MK_OK) rc = self->kv->put(self->host, str("events/last-type"), str(type));
    if (self->log) self->log->log(self->host, MK_LOG_DEBUG, str("event counted"), str("{}"));
    free(type);
    return rc == MK_OK ? MK_OK : MK_ERR_RETRY_LATER;
}

static const mk_tools_v1_t tools = {sizeof(mk_tools_v1_t), list_tools, call_tool};
static const mk_events_v1_t events = {sizeof(mk_events_v1_t), handle_event};

static const void *get_capability(const char *id) {
    if (strcmp(id, MK_TOOLS_V1) == 0) return &tools;
    if (strcmp(id, MK_EVENTS_V1) == 0) return &events;
    return NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "textkit", "1.0.0", NULL, MK_PLUGIN_SERIAL,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
