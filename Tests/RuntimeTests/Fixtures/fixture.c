/*
 * A configurable misbehaving plugin for the runtime's tests, compiled by the tests with -D
 * flags that select one defect:
 *   FIXTURE_ID "x"          the descriptor's id (default "fixture")
 *   FIXTURE_ABI_MAJOR n     the ABI major it claims (default 1)
 *   FIXTURE_NO_ENTRY        export no entry point
 *   FIXTURE_DECLINE         the entry returns NULL
 *   FIXTURE_SMALL_DESCRIPTOR  struct_size smaller than ABI v1's
 *   FIXTURE_CONCURRENT      declare itself concurrent
 *   FIXTURE_CRASH_ON_CREATE crash (SIGSEGV) when an instance is created
 * Tools: echo (returns its arguments), invalid (not JSON), huge (2 MiB), sleep (ms, honouring
 * mk_call_t when asked), thread (the name of the thread it runs on), overlap (reports the
 * largest number of calls seen inside it at once), secret (reports a secret's length), publish (an event),
 * metric (records one of each kind), log (logs with fields), count (how many times it was called;
 * the one tool whose input_schema declares properties, a nested object among them), http (one
 * market.http/1 fetch of "url" with "method", "max" and "timeout"; reports the status code it
 * returned, the HTTP status and the body's size and first bytes; not listed).
 * It is also a model provider (streams "Hel", "lo"; a request containing "rate" is rate limited)
 * and handles inbound HTTP (answers 201 with what it received).
 */
#define _GNU_SOURCE
#include <market/market.h>

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "fixture"
#endif
#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR 1
#endif
#ifdef FIXTURE_CONCURRENT
#define FIXTURE_FLAGS MK_PLUGIN_CONCURRENT
#else
#define FIXTURE_FLAGS MK_PLUGIN_SERIAL
#endif

typedef struct fixture {
    const mk_host_t *host;
} fixture_t;

static int inside = 0, most_inside = 0;
static pthread_mutex_t inside_lock = PTHREAD_MUTEX_INITIALIZER;

static mk_str_t str(const char *text) {
    mk_str_t s = {text, strlen(text)};
    return s;
}

static mk_status_t put(mk_sink_t *sink, const char *text) { return sink->write(sink->ctx, text, strlen(text)); }

static long number_arg(mk_str_t args, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = memmem(args.ptr, args.len, pattern, strlen(pattern));
    return at ? atol(at + strlen(pattern)) : 0;
}

static mk_status_t count_bytes(void *ctx, const char *ptr, size_t len) {
    (void)ptr;
    *(size_t *)ctx += len;
    return MK_OK;
}

/* The body's size and its first 32 bytes. */
typedef struct body_head {
    size_t total;
    char head[33];
} body_head_t;

static mk_status_t keep_head(void *ctx, const char *ptr, size_t len) {
    body_head_t *body = ctx;
    for (size_t i = 0; i < len && body->total + i < 32; i++) body->head[body->total + i] = ptr[i] == '"' ? '\'' : ptr[i];
    body->total += len;
    return MK_OK;
}

static void string_arg(mk_str_t args, const char *key, char *out, size_t size) {
    char pattern[64], format[16];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    snprintf(format, sizeof format, "%%%zu[^\"]", size - 1);
    out[0] = 0;
    const char *at = memmem(args.ptr, args.len, pattern, strlen(pattern));
    if (at) sscanf(at + strlen(pattern), format, out);
}

static mk_status_t http_fetch(fixture_t *self, mk_str_t args, const mk_call_t *c, mk_sink_t *result) {
    const mk_http_v1_t *http = self->host->get_service(self->host, MK_HTTP_V1);
    char url[512], method[16];
    string_arg(args, "url", url, sizeof url);
    string_arg(args, "method", method, sizeof method);
    mk_http_request_t request;
    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.method = str(method[0] ? method : "GET");
    request.url = str(url);
    if (strcmp(method, "POST") == 0) request.body = str("{\"type\":\"ping\"}");
    request.timeout_ms = (uint32_t)number_arg(args, "timeout");
    request.max_response_bytes = (uint64_t)number_arg(args, "max");
    /* "inject":1 sends a header value that would start a second header line. */
    mk_http_header_t injected = {str("X-Test"), str("a\r\nX-Injected: 1")};
    if (number_arg(args, "inject") == 1) {
        request.headers = &injected;
        request.header_count = 1;
    }
    int32_t status = -1;
    body_head_t body;
    memset(&body, 0, sizeof body);
    mk_sink_t sink = {sizeof(mk_sink_t), &body, keep_head};
    mk_status_t rc = http->fetch(self->host, &request, c, &status, NULL, &sink);
    char out[160];
    snprintf(out, sizeof out, "{\"rc\":%d,\"status\":%d,\"bytes\":%zu,\"head\":\"%s\"}", rc, status, body.total, body.head);
    return put(result, out);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static mk_status_t create(const mk_host_t *host, mk_str_t config, void **out, mk_sink_t *error) {
#ifdef FIXTURE_CRASH_ON_CREATE
    *(volatile int *)(uintptr_t)16 = 1; /* a real fault, as a buggy plugin would make */
#endif
    if (memmem(config.ptr, config.len, "\"refuse\":true", 13)) {
        put(error, "refused by configuration");
        return MK_ERR_INVALID_ARGUMENT;
    }
    fixture_t *self = calloc(1, sizeof *self);
    self->host = host;
    *out = self;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t list(void *instance, mk_sink_t *out) {
    (void)instance;
    static const char *names[] = {"echo", "invalid", "huge", "sleep", "thread", "overlap", "secret", "publish", "metric", "log"};
    put(out, "[");
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char entry[160];
        snprintf(entry, sizeof entry, "%s{\"name\":\"%s\",\"description\":\"fixture\",\"input_schema\":{\"type\":\"object\"}}", i ? "," : "", names[i]);
        put(out, entry);
    }
    put(out, ",{\"name\":\"count\",\"description\":\"fixture\",\"input_schema\":{\"type\":\"object\",\"properties\":{"
             "\"n\":{\"type\":\"integer\"},\"filter\":{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}}}}}}");
    return put(out, "]");
}

static int named(mk_str_t name, const char *text) { return name.len == strlen(text) && memcmp(name.ptr, text, name.len) == 0; }

static mk_status_t call(void *instance, mk_str_t name, mk_str_t args, const mk_call_t *c, mk_sink_t *result, mk_sink_t *error) {
    fixture_t *self = instance;
    if (named(name, "echo")) return result->write(result->ctx, args.ptr, args.len);
    if (named(name, "count")) {
        static int calls = 0;
        char out[32];
        snprintf(out, sizeof out, "{\"calls\":%d}", __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST));
        return put(result, out);
    }
    if (named(name, "invalid")) return put(result, "{\"unterminated\": ");
    if (named(name, "http")) return http_fetch(self, args, c, result);
    if (named(name, "huge")) {
        static char chunk[65536];
        memset(chunk, 'a', sizeof chunk);
        put(result, "\"");
        for (int i = 0; i < 32; i++) {
            mk_status_t rc = result->write(result->ctx, chunk, sizeof chunk);
            if (rc != MK_OK) return rc;
        }
        return put(result, "\"");
    }
    if (named(name, "sleep")) {
        long total = number_arg(args, "ms"), cooperative = number_arg(args, "cooperative");
        for (long slept = 0; slept < total; slept += 10) {
            if (cooperative && c->is_cancelled(c)) {
                put(error, "stopped early");
                return MK_ERR_CANCELLED;
            }
            sleep_ms(10);
        }
        return put(result, "{\"slept\":true}");
    }
    if (named(name, "thread")) {
        char thread[32] = {0}, out[64];
        pthread_getname_np(pthread_self(), thread, sizeof thread);
        snprintf(out, sizeof out, "{\"thread\":\"%s\"}", thread);
        return put(result, out);
    }
    if (named(name, "overlap")) {
        pthread_mutex_lock(&inside_lock);
        if (++inside > most_inside) most_inside = inside;
        pthread_mutex_unlock(&inside_lock);
        sleep_ms(20);
        pthread_mutex_lock(&inside_lock);
        inside--;
        int most = most_inside;
        pthread_mutex_unlock(&inside_lock);
        char out[48];
        snprintf(out, sizeof out, "{\"most_inside\":%d}", most);
        return put(result, out);
    }
    if (named(name, "secret")) {
        const mk_secrets_v1_t *secrets = self->host->get_service(self->host, MK_SECRETS_V1);
        char which[64] = {0};
        const char *at = memmem(args.ptr, args.len, "\"name\":\"", 8);
        if (at) sscanf(at + 8, "%63[^\"]", which);
        size_t length = 0;
        mk_sink_t counter = {sizeof(mk_sink_t), &length, count_bytes};
        mk_status_t rc = secrets->get(self->host, str(which), &counter);
        if (rc != MK_OK) {
            put(error, "secret unavailable");
            return rc;
        }
        char out[48];
        snprintf(out, sizeof out, "{\"length\":%zu}", length);
        return put(result, out);
    }
    if (named(name, "publish")) {
        const mk_host_events_v1_t *events = self->host->get_service(self->host, MK_EVENTS_V1);
        mk_status_t rc = events->publish(self->host, str("fixture.done"), str("{\"ok\":true}"), str(""), NULL);
        if (rc != MK_OK) {
            put(error, "publish refused");
            return rc;
        }
        return put(result, "{\"published\":true}");
    }
    if (named(name, "metric")) {
        const mk_metrics_v1_t *metrics = self->host->get_service(self->host, MK_METRICS_V1);
        mk_status_t rc = metrics->record(self->host, MK_METRIC_COUNTER, str("calls_total"), str("{\"route\":\"a\"}"), 2);
        if (rc == MK_OK) rc = metrics->record(self->host, MK_METRIC_GAUGE, str("queue_depth"), str(""), 7);
        if (rc == MK_OK) rc = metrics->record(self->host, MK_METRIC_HISTOGRAM, str("latency_seconds"), str(""), 0.25);
        mk_status_t bad_name = metrics->record(self->host, MK_METRIC_COUNTER, str("Bad-Name"), str(""), 1);
        mk_status_t spoofed = metrics->record(self->host, MK_METRIC_COUNTER, str("calls_total"), str("{\"tenant\":\"other\"}"), 1);
        mk_status_t negative = metrics->record(self->host, MK_METRIC_COUNTER, str("calls_total"), str(""), -1);
        mk_status_t other_kind = metrics->record(self->host, MK_METRIC_GAUGE, str("calls_total"), str(""), 1);
        char out[128];
        snprintf(out, sizeof out, "{\"ok\":%d,\"bad_name\":%d,\"spoofed\":%d,\"negative\":%d,\"other_kind\":%d}",
                 rc, bad_name, spoofed, negative, other_kind);
        return put(result, out);
    }
    if (named(name, "log")) {
        const mk_log_v1_t *log = self->host->get_service(self->host, MK_LOG_V1);
        log->log(self->host, MK_LOG_WARNING, str("fixture says hello"), str("{\"step\":\"one\",\"tenant\":\"spoofed\",\"n\":3}"));
        return put(result, "{}");
    }
    put(error, "no such tool");
    return MK_ERR_NOT_FOUND;
}

static mk_status_t complete(void *instance, mk_str_t request, const mk_call_t *c, mk_sink_t *deltas, mk_sink_t *result,
                            mk_sink_t *error, uint32_t *retry_after_ms) {
    (void)instance;
    (void)c;
    if (memmem(request.ptr, request.len, "rate", 4)) {
        *retry_after_ms = 1500;
        put(error, "slow down");
        return MK_ERR_RATE_LIMITED;
    }
    if (deltas) {
        const char *parts[] = {"{\"content\":\"Hel\"}", "{\"content\":\"lo\"}"};
        for (int i = 0; i < 2; i++) {
            mk_status_t rc = put(deltas, parts[i]);
            if (rc != MK_OK) {
                put(error, "the stream was stopped");
                return MK_ERR_CANCELLED;
            }
        }
    }
    return put(result, "{\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\","
                       "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}");
}

static mk_status_t ingress(void *instance, const mk_http_request_t *request, const mk_call_t *c, int32_t *status,
                           mk_sink_t *headers, mk_sink_t *body) {
    (void)instance;
    (void)c;
    char out[600];
    snprintf(out, sizeof out, "{\"method\":\"%.*s\",\"path\":\"%.*s\",\"body_bytes\":%zu,\"header_count\":%zu}",
             (int)request->method.len, request->method.ptr, (int)(request->url.len > 400 ? 400 : request->url.len), request->url.ptr,
             request->body.len, request->header_count);
    *status = 201;
    put(headers, "{\"content-type\":\"application/json\"}");
    return put(body, out);
}

static const mk_tools_v1_t tools = {sizeof(mk_tools_v1_t), list, call};
static const mk_model_v1_t model = {sizeof(mk_model_v1_t), complete};
static const mk_ingress_v1_t hooks = {sizeof(mk_ingress_v1_t), ingress};

static const void *capability(const char *id) {
    if (strcmp(id, MK_TOOLS_V1) == 0) return &tools;
    if (strcmp(id, MK_MODEL_V1) == 0) return &model;
    if (strcmp(id, MK_INGRESS_V1) == 0) return &hooks;
    return NULL;
}

static const mk_plugin_descriptor_t descriptor = {
#ifdef FIXTURE_SMALL_DESCRIPTOR
    offsetof(mk_plugin_descriptor_t, get_capability),
#else
    sizeof(mk_plugin_descriptor_t),
#endif
    (uint32_t)(FIXTURE_ABI_MAJOR << 16), FIXTURE_ID, "1.0.0", NULL, FIXTURE_FLAGS, create, destroy, capability,
};

#ifndef FIXTURE_NO_ENTRY
MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    (void)host_abi_version;
#ifdef FIXTURE_DECLINE
    (void)descriptor;
    return NULL;
#else
    return &descriptor;
#endif
}
#else
MK_EXPORT const mk_plugin_descriptor_t *some_other_symbol(void) { return &descriptor; }
#endif
