/*
 * market/host.h — what the host hands a plugin instance: a way to look up services.
 *
 * A plugin links against no host symbol. Everything it needs from the host comes from
 * tables returned by get_service, looked up by a versioned string id:
 *   "market.log/1"     market/log.h       "market.http/1"    market/http.h
 *   "market.kv/1"      market/kv.h        "market.events/1"  market/events.h
 *   "market.secrets/1" market/secrets.h   "market.metrics/1" market/metrics.h
 *   "market.process/1" market/process.h  "market.documents/1" market/documents.h (1.3)
 *   "market.connections/1" market/connections.h (1.4)
 */
#ifndef MARKET_HOST_H
#define MARKET_HOST_H

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mk_host {
    uint32_t struct_size; /* sizeof(mk_host_t) as the host knows it */
    uint32_t abi_version; /* MK_ABI_VERSION of the host */
    /* Owned by the host: identifies the instance (plugin, tenant). Never read it. */
    void *host_data;
    /*
     * Returns the service table for `id` (a NUL-terminated string such as "market.kv/1"), or
     * NULL when the host does not offer it. The table is static for the life of the instance:
     * look it up once in create() and keep the pointer. Every service function takes this
     * mk_host_t back as its first argument so the host knows which instance calls.
     * Never NULL. [thread-safe]
     */
    const void *(*get_service)(const struct mk_host *host, const char *id);
} mk_host_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_HOST_H */
