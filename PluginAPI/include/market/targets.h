/*
 * market/targets.h — plugin capability "market.targets/1" (ABI 1.1): deliver events to
 * destinations the plugin does not know in advance, such as a tenant's webhook endpoints.
 *
 * A target belongs to one (tenant, plugin) and is stored by the host: its id ("tgt_…"), its
 * event-type patterns, whether it is enabled, its rate limit, its settings (public JSON) and its
 * secrets (JSON the host keeps encrypted and never shows again). For every event that matches a
 * target the host writes a durable delivery row of its own, so each target has its own retry
 * state, order, rate and pause; the plugin keeps no queue. Needs the "targets" kind in the
 * manifest and a manifest of "abi": "^1.1" (see plugin-manifest.md).
 */
#ifndef MARKET_TARGETS_H
#define MARKET_TARGETS_H

#include "call.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_TARGETS_V1 "market.targets/1"

typedef struct mk_targets_v1 {
    uint32_t struct_size; /* sizeof(mk_targets_v1_t) */
    /*
     * Checks and completes a target before the host stores it. `request_json`:
     *   {"action":"create"|"update"|"rotate_secret",
     *    "settings":{…},            the operator's settings (create, update)
     *    "current":{"settings":{…},"secrets":{…}}|null,   what is stored now (update, rotate)
     *    "now":"2026-12-07T10:00:00Z", "overlap_seconds":86400}   rotation's overlap
     * Writes to `out_json` what the host stores: {"settings":{…},"secrets":{…}}. Settings the
     * plugin does not know, or a bad value, are MK_ERR_INVALID_ARGUMENT with a message in
     * `error` that names the field and the fix. Secrets are made here (the plugin knows their
     * format); a secret given in "settings" by the operator is moved to "secrets" here.
     * All inputs are borrowed for the call. Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*prepare)(void *instance, mk_str_t request_json, const mk_call_t *call,
                           mk_sink_t *out_json, mk_sink_t *error);
    /*
     * Delivers one event (`envelope_json`, as market.events/1) to one target (`target_json`:
     * {"id":"tgt_…","settings":{…},"secrets":{…},"attempt":N} with N counting from 1).
     * Writes the outcome, one JSON object, to `out_outcome_json`:
     *   {"outcome":"delivered"|"retry"|"failed"|"disable_target",
     *    "retry_after_seconds":N,   optional with "retry": the destination asked for a pause;
     *                               the host pauses the whole target until then, and waiting
     *                               messages do not use up attempts
     *    "status":200, "duration_ms":3, "response":"first KiB of the body", "error":"…"}
     * "retry" is tried again on the host's schedule, "failed" is dead at once, and
     * "disable_target" disables the target (for example an HTTP 410) and dead-letters nothing:
     * its messages wait until it is enabled again. Returning a non-OK status counts as "retry"
     * with the status as the error. All inputs are borrowed for the call. Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*deliver)(void *instance, mk_str_t envelope_json, mk_str_t target_json,
                           const mk_call_t *call, mk_sink_t *out_outcome_json);
} mk_targets_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_TARGETS_H */
