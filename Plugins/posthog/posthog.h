/*
 * The posthog plugin's internals, shared by its C files (hidden: only the entry point is
 * exported).
 */
#ifndef POSTHOG_H
#define POSTHOG_H

#include <market/market.h>
#include <stddef.h>

/* A growable byte buffer; `failed` once an allocation failed (later appends do nothing). */
typedef struct buf {
    char *data;
    size_t len;
    size_t cap;
    int failed;
} buf_t;

buf_t *buf_new(void);
void buf_free(buf_t *buf);
/* Returns the NUL-terminated text and frees the buffer (NULL if an allocation failed). */
char *buf_take(buf_t *buf);
void buf_append(buf_t *buf, const char *bytes, size_t len);
void buf_add(buf_t *buf, const char *text);
/* Appends `text` as one quoted JSON string. */
void buf_json_string(buf_t *buf, const char *text, size_t len);
/* A sink that appends to `buf`. */
mk_sink_t buf_sink(buf_t *buf);
/* Writes `text` to `sink` when both are there. */
void sink_text(mk_sink_t *sink, const char *text);

/* What becomes of one event. `error` is owned (malloc'd) or NULL. */
typedef enum { OUTCOME_ACKNOWLEDGED, OUTCOME_RETRY, OUTCOME_REJECTED } outcome_kind_t;
typedef struct outcome {
    outcome_kind_t kind;
    char *error;
} outcome_t;

outcome_t outcome_copy(outcome_t outcome);
/* Writes the market.event-batches/1 results array. */
mk_status_t write_outcomes(mk_sink_t *sink, const outcome_t *outcomes, size_t n);

/*
 * Turns a Market event envelope into one PostHog event object (malloc'd into *out), or says
 * why it cannot be sent: OUTCOME_REJECTED for a malformed envelope or one whose PostHog event
 * would be over `max_bytes` (the error then says "over 1 MB").
 */
outcome_t convert_event(mk_str_t envelope, char **out, size_t *out_len, size_t max_bytes);
/* The UUID (version 5, RFC 9562) PostHog gets for the event `id` of `tenant`: 36 chars + NUL. */
void event_uuid(const char *tenant, const char *id, char out[37]);

/* `{host}/batch/` without a doubled slash (malloc'd). */
char *batch_url(const char *host);
/* Operator-facing reasons for a failed request (malloc'd). */
char *describe_failure(mk_status_t status, const char *url);
char *describe_status(int32_t status, const buf_t *answer);

#endif
