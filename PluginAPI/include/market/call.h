/*
 * market/call.h — the context of one host → plugin call: deadline, cancellation and
 * who the call is for.
 */
#ifndef MARKET_CALL_H
#define MARKET_CALL_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mk_call {
    uint32_t struct_size; /* sizeof(mk_call_t) */
    /*
     * The deadline on CLOCK_MONOTONIC, in nanoseconds; 0 means none. A plugin doing long work
     * should check it (or is_cancelled) between steps and return MK_ERR_TIMEOUT.
     */
    uint64_t deadline_ns;
    /*
     * A JSON object describing who the call is for, e.g.
     * {"tenant_id":"…","conversation_id":"…","user_id":"…"}. Fields may be absent.
     * Borrowed for the duration of the call; never NULL ("{}" when there is nothing to say).
     */
    mk_str_t context_json;
    /* Owned by the host; the plugin passes it back to is_cancelled and never reads it. */
    const void *token;
    /*
     * Returns 1 when the caller has cancelled the call or its deadline has passed, else 0.
     * Cheap (an atomic load and a clock read). Never NULL. [thread-safe]
     */
    int32_t (*is_cancelled)(const struct mk_call *call);
} mk_call_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_CALL_H */
