/*
 * posthog — a first-party analytics sink written in C against market/market.h alone.
 *
 * Forwards the tenant's events to PostHog's batch endpoint (POST {host}/batch/): the event type
 * as the event name, the event's own timestamp, a UUID derived from the event id (so PostHog's
 * deduplication holds when the host delivers an event again), the user as distinct_id, and the
 * A/B variant as properties. An event is acknowledged only once PostHog has accepted the request
 * that carried it, so the host's outbox is the only queue: nothing is held in memory that a crash
 * could lose, and there is nothing left to flush at shutdown.
 *
 * Batching: with market.event-batches/1 (ABI 1.2) the host hands over its due events in one call
 * and they go out in requests of at most `batch_size` events and `max_request_bytes` bytes, at once:
 * the host hands events over as soon as they are due, so none waits for a batch to fill. Events
 * that arrive one at a time (market.events/1, from a host before 1.2) go at once too, unless
 * `flush_interval_ms` is set: then they wait for each other until `batch_size` of them are there
 * or the oldest has waited that long. The wait holds one of the host's plugin threads per event,
 * which is why it is off by default. Concurrent: calls may overlap.
 */
#include <market/market.h>
#include <market/json.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "posthog.h"

#define MAX_EVENT_BYTES (1024 * 1024) /* PostHog drops larger events */

typedef struct posthog {
    const mk_host_t *host;
    const mk_http_v1_t *http;
    const mk_log_v1_t *log;
    const mk_metrics_v1_t *metrics;
    char *batch_url;
    char *api_key;
    long batch_size;
    long max_request_bytes;
    long flush_interval_ms;
    long timeout_ms;
    /* Events handed over one at a time wait here for their request (see `handle_event`). */
    pthread_mutex_t lock;
    pthread_cond_t flushed;
    struct waiting_batch *open;
} posthog_t;

/* One request's worth of events from single `handle` calls; freed by the last waiter. */
typedef struct waiting_batch {
    buf_t *events;              /* converted events */
    size_t count;
    size_t bytes;
    struct timespec opened;     /* CLOCK_MONOTONIC */
    int sending;                /* a waiter took it to send */
    int done;
    size_t waiters;
    outcome_t *outcomes;        /* one per event once done */
} waiting_batch_t;

static mk_str_t str(const char *text) {
    mk_str_t s = {text, text ? strlen(text) : 0};
    return s;
}

static void log_line(posthog_t *self, int32_t level, const char *message, const char *fields) {
    if (self->log) self->log->log(self->host, level, str(message), str(fields ? fields : "{}"));
}

static void count(posthog_t *self, const char *name, double value) {
    if (self->metrics && value > 0) self->metrics->record(self->host, MK_METRIC_COUNTER, str(name), (mk_str_t){NULL, 0}, value);
}

/* An event too large for PostHog is not sent: say so in the log and the metric. */
static void note_if_dropped(posthog_t *self, outcome_t converted) {
    if (converted.kind != OUTCOME_REJECTED || !converted.error || !strstr(converted.error, "over 1 MB")) return;
    count(self, "events_dropped_too_large_total", 1);
    log_line(self, MK_LOG_WARNING, "event over 1 MB dropped: PostHog refuses it", "{}");
}

/* ---- configuration ---- */

static long config_integer(mk_str_t config, const char *name, long fallback, long low, long high, int *bad) {
    mk_str_t value;
    double number;
    if (mk_json_member(config, name, &value) != MK_OK) return fallback;
    if (mk_json_number(value, &number) != MK_OK || number < (double)low || number > (double)high || number != (double)(long)number) {
        *bad = 1;
        return fallback;
    }
    return (long)number;
}

static mk_status_t create(const mk_host_t *host, mk_str_t config, void **out_instance, mk_sink_t *error) {
    posthog_t *self = calloc(1, sizeof(posthog_t));
    if (!self) return MK_ERR_INTERNAL;
    self->host = host;
    self->http = (const mk_http_v1_t *)host->get_service(host, MK_HTTP_V1);
    self->log = (const mk_log_v1_t *)host->get_service(host, MK_LOG_V1);
    self->metrics = (const mk_metrics_v1_t *)host->get_service(host, MK_METRICS_V1);
    const mk_secrets_v1_t *secrets = (const mk_secrets_v1_t *)host->get_service(host, MK_SECRETS_V1);
    int bad = 0;
    self->batch_size = config_integer(config, "batch_size", 100, 1, 1000, &bad);
    self->max_request_bytes = config_integer(config, "max_request_bytes", 5 * 1024 * 1024, MAX_EVENT_BYTES + 1024, 20 * 1024 * 1024, &bad);
    self->flush_interval_ms = config_integer(config, "flush_interval_ms", 0, 0, 60000, &bad);
    self->timeout_ms = config_integer(config, "timeout_ms", 10000, 100, 120000, &bad);
    char *base = NULL;
    mk_str_t value;
    if (mk_json_member(config, "host", &value) == MK_OK && mk_json_string_copy(value, &base) != MK_OK) bad = 1;
    if (bad) {
        sink_text(error, "a setting is out of range: batch_size 1-1000, max_request_bytes 1049600-20971520, "
                         "flush_interval_ms 0-60000, timeout_ms 100-120000, host a string");
        free(base);
        free(self);
        return MK_ERR_INVALID_ARGUMENT;
    }
    self->batch_url = batch_url(base ? base : "https://us.i.posthog.com");
    free(base);
    /* Without the key the instance still starts (so it can be probed and installed); its
     * events wait, retried with the fix, until the secret is set. */
    buf_t *key = buf_new();
    mk_sink_t key_sink = buf_sink(key);
    if (!secrets || secrets->get(host, str("api_key"), &key_sink) != MK_OK || key->len == 0) {
        buf_free(key);
        key = NULL;
    }
    self->api_key = key ? buf_take(key) : NULL;
    pthread_mutex_init(&self->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&self->flushed, &attributes);
    pthread_condattr_destroy(&attributes);
    *out_instance = self;
    return MK_OK;
}

/* The host destroys an instance only when no call is inside, so no event is waiting here. */
static void destroy(void *instance) {
    posthog_t *self = (posthog_t *)instance;
    pthread_mutex_destroy(&self->lock);
    pthread_cond_destroy(&self->flushed);
    free(self->batch_url);
    free(self->api_key);
    free(self);
}

/* ---- sending ---- */

/* POSTs events [first, first + n) of `events` (converted, `lengths` each) as one batch. */
static outcome_t post_batch(posthog_t *self, const mk_call_t *call, char **events, size_t *lengths, size_t n) {
    outcome_t outcome = {OUTCOME_RETRY, NULL};
    buf_t *body = buf_new();
    buf_add(body, "{\"api_key\":");
    buf_json_string(body, self->api_key, strlen(self->api_key));
    buf_add(body, ",\"batch\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_add(body, ",");
        buf_append(body, events[i], lengths[i]);
    }
    buf_add(body, "]}");
    if (body->failed) {
        outcome.error = strdup("out of memory building the request");
        buf_free(body);
        return outcome;
    }
    mk_http_header_t headers[] = {{str("content-type"), str("application/json")}};
    mk_http_request_t request = {sizeof(mk_http_request_t), str("POST"), str(self->batch_url), headers, 1,
                                 {body->data, body->len}, (uint32_t)self->timeout_ms, 4096};
    buf_t *answer = buf_new();
    mk_sink_t answer_sink = buf_sink(answer);
    int32_t status = 0;
    mk_status_t rc = self->http ? self->http->fetch(self->host, &request, call, &status, NULL, &answer_sink) : MK_ERR_UNSUPPORTED;
    buf_free(body);
    count(self, "requests_total", 1);
    if (rc != MK_OK && rc != MK_ERR_TOO_LARGE) {
        outcome.error = describe_failure(rc, self->batch_url);
    } else if (status >= 200 && status < 300) {
        outcome.kind = OUTCOME_ACKNOWLEDGED;
        count(self, "events_sent_total", (double)n);
    } else {
        outcome.kind = status == 400 ? OUTCOME_REJECTED : OUTCOME_RETRY;
        outcome.error = describe_status(status, answer);
    }
    buf_free(answer);
    return outcome;
}

/*
 * Sends `n` converted events in requests of at most batch_size events and max_request_bytes
 * bytes, and writes each event's outcome. A request PostHog refuses as invalid (400) is sent
 * again one event at a time, so one bad event does not hold back the rest.
 */
static void send_events(posthog_t *self, const mk_call_t *call, char **events, size_t *lengths, size_t n, outcome_t *outcomes) {
    if (!self->api_key) {
        for (size_t i = 0; i < n; i++)
            outcomes[i] = (outcome_t){OUTCOME_RETRY, strdup("the api_key secret is not set: market secret set posthog api_key --tenant TENANT "
                                                            "(the project API key, phc_…); the events wait until it is")};
        return;
    }
    size_t first = 0;
    while (first < n) {
        size_t take = 0, bytes = 64 + strlen(self->api_key);
        while (first + take < n && (long)take < self->batch_size && (take == 0 || (long)(bytes + lengths[first + take] + 1) <= self->max_request_bytes)) {
            bytes += lengths[first + take] + 1;
            take++;
        }
        outcome_t sent = post_batch(self, call, events + first, lengths + first, take);
        if (sent.kind == OUTCOME_REJECTED && take > 1) {
            free(sent.error);
            for (size_t i = 0; i < take; i++) outcomes[first + i] = post_batch(self, call, events + first + i, lengths + first + i, 1);
        } else {
            for (size_t i = 0; i < take; i++) outcomes[first + i] = outcome_copy(sent);
            free(sent.error);
        }
        first += take;
    }
}

/* ---- market.event-batches/1 ---- */

static mk_status_t handle_batch(void *instance, mk_str_t envelopes, const mk_call_t *call, mk_sink_t *results, mk_sink_t *error) {
    posthog_t *self = (posthog_t *)instance;
    size_t cursor = 0, n = 0, capacity = 16;
    mk_str_t element;
    char **events = malloc(capacity * sizeof(char *));
    size_t *lengths = malloc(capacity * sizeof(size_t));
    outcome_t *early = malloc(capacity * sizeof(outcome_t));
    mk_status_t rc = MK_OK;
    while (events && lengths && early && (rc = mk_json_next_element(envelopes, &cursor, &element)) == MK_OK) {
        if (n == capacity) {
            capacity *= 2;
            char **e = realloc(events, capacity * sizeof(char *));
            size_t *l = e ? realloc(lengths, capacity * sizeof(size_t)) : NULL;
            outcome_t *o = l ? realloc(early, capacity * sizeof(outcome_t)) : NULL;
            if (e) events = e;
            if (l) lengths = l;
            if (o) early = o;
            if (!o) break;
        }
        early[n] = convert_event(element, &events[n], &lengths[n], MAX_EVENT_BYTES);
        note_if_dropped(self, early[n]);
        n++;
    }
    if (!events || !lengths || !early || rc != MK_ERR_NOT_FOUND) {
        sink_text(error, rc == MK_ERR_INVALID_ARGUMENT ? "the events are not a JSON array" : "out of memory");
        for (size_t i = 0; i < n; i++) { free(events[i]); free(early[i].error); }
        free(events); free(lengths); free(early);
        return rc == MK_ERR_INVALID_ARGUMENT ? MK_ERR_INVALID_ARGUMENT : MK_ERR_INTERNAL;
    }
    /* The convertible events, packed, go out together; the others keep their early outcome. */
    char **ready = malloc((n ? n : 1) * sizeof(char *));
    size_t *ready_lengths = malloc((n ? n : 1) * sizeof(size_t));
    size_t *index = malloc((n ? n : 1) * sizeof(size_t));
    outcome_t *sent = calloc(n ? n : 1, sizeof(outcome_t));
    size_t m = 0;
    for (size_t i = 0; ready && ready_lengths && index && sent && i < n; i++) {
        if (early[i].kind != OUTCOME_ACKNOWLEDGED) continue;
        ready[m] = events[i]; ready_lengths[m] = lengths[i]; index[m] = i; m++;
    }
    if (ready && ready_lengths && index && sent) {
        send_events(self, call, ready, ready_lengths, m, sent);
        for (size_t k = 0; k < m; k++) early[index[k]] = sent[k];
        rc = write_outcomes(results, early, n);
    } else {
        sink_text(error, "out of memory");
        rc = MK_ERR_INTERNAL;
    }
    for (size_t i = 0; i < n; i++) { free(events[i]); free(early[i].error); }
    free(events); free(lengths); free(early); free(ready); free(ready_lengths); free(index); free(sent);
    return rc;
}

/* ---- market.events/1: one event at a time, batched by size and age ---- */

static long elapsed_ms(struct timespec since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1000000;
}

static struct timespec plus_ms(struct timespec at, long ms) {
    at.tv_sec += ms / 1000;
    at.tv_nsec += (ms % 1000) * 1000000;
    if (at.tv_nsec >= 1000000000) { at.tv_sec++; at.tv_nsec -= 1000000000; }
    return at;
}

/* Sends `batch` (taken by this waiter, lock held on entry and on return). */
static void flush_waiting(posthog_t *self, waiting_batch_t *batch, const mk_call_t *call) {
    batch->sending = 1;
    if (self->open == batch) self->open = NULL;
    pthread_mutex_unlock(&self->lock);
    char **events = malloc((batch->count ? batch->count : 1) * sizeof(char *));
    size_t *lengths = malloc((batch->count ? batch->count : 1) * sizeof(size_t));
    outcome_t *outcomes = calloc(batch->count ? batch->count : 1, sizeof(outcome_t));
    if (events && lengths && outcomes) {
        for (size_t i = 0; i < batch->count; i++) { events[i] = batch->events[i].data; lengths[i] = batch->events[i].len; }
        send_events(self, call, events, lengths, batch->count, outcomes);
    } else if (outcomes) {
        for (size_t i = 0; i < batch->count; i++) outcomes[i] = (outcome_t){OUTCOME_RETRY, strdup("out of memory")};
    }
    free(events);
    free(lengths);
    pthread_mutex_lock(&self->lock);
    batch->outcomes = outcomes;
    batch->done = 1;
    pthread_cond_broadcast(&self->flushed);
}

static void release_waiting(waiting_batch_t *batch) {
    if (--batch->waiters > 0) return;
    for (size_t i = 0; i < batch->count; i++) {
        free(batch->events[i].data);
        if (batch->outcomes) free(batch->outcomes[i].error);
    }
    free(batch->events);
    free(batch->outcomes);
    free(batch);
}

static mk_status_t handle_event(void *instance, mk_str_t envelope, const mk_call_t *call, mk_sink_t *error) {
    posthog_t *self = (posthog_t *)instance;
    char *event = NULL;
    size_t length = 0;
    outcome_t converted = convert_event(envelope, &event, &length, MAX_EVENT_BYTES);
    if (converted.kind != OUTCOME_ACKNOWLEDGED) {
        note_if_dropped(self, converted);
        sink_text(error, converted.error);
        free(converted.error);
        return converted.kind == OUTCOME_RETRY ? MK_ERR_RETRY_LATER : MK_ERR_REJECTED;
    }
    pthread_mutex_lock(&self->lock);
    waiting_batch_t *batch = self->open;
    if (batch && ((long)batch->count >= self->batch_size || (long)(batch->bytes + length + 1) > self->max_request_bytes)) batch = NULL;
    if (!batch) {
        batch = calloc(1, sizeof(waiting_batch_t));
        batch->events = calloc((size_t)self->batch_size, sizeof(buf_t));
        if (!batch || !batch->events) {
            pthread_mutex_unlock(&self->lock);
            free(event);
            if (batch) free(batch);
            sink_text(error, "out of memory");
            return MK_ERR_RETRY_LATER;
        }
        clock_gettime(CLOCK_MONOTONIC, &batch->opened);
        batch->bytes = 64;
        self->open = batch;
    }
    size_t position = batch->count++;
    batch->events[position] = (buf_t){event, length, length, 0};
    batch->bytes += length + 1;
    batch->waiters++;
    /* Full: the event that filled it sends it. Else wait for its sender, or for its age. */
    if ((long)batch->count >= self->batch_size) flush_waiting(self, batch, call);
    while (!batch->done) {
        if (!batch->sending && elapsed_ms(batch->opened) >= self->flush_interval_ms) {
            flush_waiting(self, batch, call);
            continue;
        }
        struct timespec until = plus_ms(batch->opened, self->flush_interval_ms);
        if (batch->sending) {
            pthread_cond_wait(&self->flushed, &self->lock);
        } else {
            pthread_cond_timedwait(&self->flushed, &self->lock, &until);
        }
    }
    outcome_t outcome = batch->outcomes ? batch->outcomes[position] : (outcome_t){OUTCOME_RETRY, NULL};
    mk_status_t rc = outcome.kind == OUTCOME_ACKNOWLEDGED ? MK_OK : outcome.kind == OUTCOME_REJECTED ? MK_ERR_REJECTED : MK_ERR_RETRY_LATER;
    if (rc != MK_OK) sink_text(error, outcome.error ? outcome.error : "out of memory");
    release_waiting(batch);
    pthread_mutex_unlock(&self->lock);
    return rc;
}

static const mk_events_v1_t events_table = {sizeof(mk_events_v1_t), handle_event};
static const mk_event_batches_v1_t batches_table = {sizeof(mk_event_batches_v1_t), handle_batch};

static const void *get_capability(const char *id) {
    if (strcmp(id, MK_EVENTS_V1) == 0) return &events_table;
    if (strcmp(id, MK_EVENT_BATCHES_V1) == 0) return &batches_table;
    return NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "posthog", "1.0.0", NULL, MK_PLUGIN_CONCURRENT,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
