/*
 * market/events.h — "market.events/1", in both directions.
 *
 * Every event travels in a Standard-Webhooks-compatible envelope, a JSON object:
 *   {"id":"evt_…","type":"lead.created","timestamp":"2026-01-01T00:00:00Z",
 *    "tenant_id":"…","conversation_id":"…"|null,"experiment":{…}|null,"data":{…}}
 * The id is the idempotency key: delivery is at least once, so a handler may see an id again.
 */
#ifndef MARKET_EVENTS_H
#define MARKET_EVENTS_H

#include "host.h"
#include "call.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_EVENTS_V1 "market.events/1"

/* Host service (from mk_host_t.get_service): publish an event. */
typedef struct mk_host_events_v1 {
    uint32_t struct_size; /* sizeof(mk_host_events_v1_t) */
    /*
     * Publishes an event of `type` (e.g. "lead.created") with `data_json` (a JSON object) for
     * this instance's tenant. `conversation_id` is {NULL, 0} when the event belongs to none.
     * The type must be listed in the manifest's permissions.events.emit, else
     * MK_ERR_PERMISSION_DENIED. On MK_OK the new event id is written to `out_event_id` (may be
     * NULL). All inputs are borrowed. Never NULL. [thread-safe]
     */
    mk_status_t (*publish)(const mk_host_t *host, mk_str_t type, mk_str_t data_json,
                           mk_str_t conversation_id, mk_sink_t *out_event_id);
} mk_host_events_v1_t;

/* Plugin capability (from the descriptor's get_capability): receive events. */
typedef struct mk_events_v1 {
    uint32_t struct_size; /* sizeof(mk_events_v1_t) */
    /*
     * Handles one event whose type matches the manifest's permissions.events.subscribe.
     * `envelope_json` is borrowed for the call. Returns MK_OK to acknowledge,
     * MK_ERR_RETRY_LATER to have it delivered again on the retry schedule, or MK_ERR_REJECTED
     * to dead-letter it at once; any other status counts as MK_ERR_RETRY_LATER. A message for
     * operators may be written to `error`. Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*handle)(void *instance, mk_str_t envelope_json, const mk_call_t *call,
                          mk_sink_t *error);
} mk_events_v1_t;

/*
 * Plugin capability "market.event-batches/1" (since ABI 1.2; optional, beside market.events/1):
 * receive the due events of one installation in one call, so a sink can forward them in one
 * request. A host before 1.2, or a plugin without it, uses `handle` one event at a time.
 */
#define MK_EVENT_BATCHES_V1 "market.event-batches/1"

typedef struct mk_event_batches_v1 {
    uint32_t struct_size; /* sizeof(mk_event_batches_v1_t) */
    /*
     * `envelopes_json` is a JSON array of envelopes (borrowed for the call), at most the host's
     * batch size, each matching permissions.events.subscribe. On MK_OK, `out_results` has
     * received one JSON array with an entry per envelope, in order: {"outcome":"acknowledged"},
     * {"outcome":"retry","error":"…"} or {"outcome":"rejected","error":"…"} (as `handle`'s
     * MK_OK, MK_ERR_RETRY_LATER and MK_ERR_REJECTED). Any other status, or results that are not
     * such an array of the right length, retries every event of the call, with `error` as the
     * reason. Never NULL. [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*handle_batch)(void *instance, mk_str_t envelopes_json, const mk_call_t *call,
                                mk_sink_t *out_results, mk_sink_t *error);
} mk_event_batches_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_EVENTS_H */
