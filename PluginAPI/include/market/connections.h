/*
 * market/connections.h — host service "market.connections/1" (ABI 1.4): the current credential
 * of the calling tenant's connection to the plugin's outside service (docs/connections.md).
 *
 * The host owns connections: it stores API keys, long-lived tokens and OAuth2 tokens sealed,
 * refreshes OAuth2 access tokens ahead of expiry and rotates refresh tokens. A plugin asks for
 * the access token when it needs one (every call, or after a 401) and never sees a refresh
 * token. A host before 1.4, or one without a database, returns NULL from get_service.
 */
#ifndef MARKET_CONNECTIONS_H
#define MARKET_CONNECTIONS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_CONNECTIONS_V1 "market.connections/1"

typedef struct mk_connections_v1 {
    uint32_t struct_size; /* sizeof(mk_connections_v1_t) */
    /*
     * Writes the connection's current access token (OAuth2), API key or token to `token`.
     * Do not log it, return it or keep it past the call that needed it: ask again next time,
     * since the host replaces it on refresh.
     * Fails with:
     *   MK_ERR_NOT_FOUND        the tenant has not connected this plugin;
     *   MK_ERR_UNAUTHENTICATED  the service refused the connection (a revoked grant): a person
     *                           must reconnect it;
     *   MK_ERR_UNAVAILABLE      the token expired and is being refreshed, or the host's store
     *                           cannot be reached: may succeed later.
     * On a failure the host writes a message for people to `error` (which may be NULL) that
     * names the fix, such as the `market connections` command to run; pass it on as the tool
     * call's error. Never NULL. [thread-safe]
     */
    mk_status_t (*access_token)(const mk_host_t *host, mk_sink_t *token, mk_sink_t *error);
} mk_connections_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_CONNECTIONS_H */
