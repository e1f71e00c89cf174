/*
 * market/kv.h — host service "market.kv/1": a small key-value store, namespaced per plugin
 * and tenant by the host (a plugin never sees another's keys).
 */
#ifndef MARKET_KV_H
#define MARKET_KV_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_KV_V1 "market.kv/1"

typedef struct mk_kv_v1 {
    uint32_t struct_size; /* sizeof(mk_kv_v1_t) */
    /*
     * Writes the value stored under `key` to `value`, or returns MK_ERR_NOT_FOUND.
     * Keys are 1–512 bytes of valid UTF-8; values up to 1 MiB (else MK_ERR_INVALID_ARGUMENT or
     * MK_ERR_TOO_LARGE). Never NULL. [thread-safe]
     */
    mk_status_t (*get)(const mk_host_t *host, mk_str_t key, mk_sink_t *value);
    /*
     * Stores `value` under `key`, replacing any value. On MK_OK the value is as durable as the
     * host's store (PostgreSQL or files for a server; memory in tests). [thread-safe]
     */
    mk_status_t (*put)(const mk_host_t *host, mk_str_t key, mk_str_t value);
    /* Removes `key`; MK_OK whether or not it existed. [thread-safe] */
    mk_status_t (*remove)(const mk_host_t *host, mk_str_t key);
    /* Writes a JSON array of the keys starting with `prefix`, sorted. [thread-safe] */
    mk_status_t (*list)(const mk_host_t *host, mk_str_t prefix, mk_sink_t *keys_json);
    /*
     * ABI 1.6; present only when struct_size reaches past it. Stores `value` under `key` as
     * `put` does, to be forgotten `ttl_seconds` (at least 1, else MK_ERR_INVALID_ARGUMENT) from
     * now: after that `get` answers MK_ERR_NOT_FOUND, `list` leaves the key out, and the host
     * deletes it. A later `put` of the key keeps it for good. [thread-safe]
     */
    mk_status_t (*put_expiring)(const mk_host_t *host, mk_str_t key, mk_str_t value, uint32_t ttl_seconds);
} mk_kv_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_KV_H */
