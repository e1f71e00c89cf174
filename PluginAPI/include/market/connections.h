/*
 * market/connections.h — host service "market.connections/1" (ABI 1.4): the current credential
 * of the calling tenant's connection to the plugin's outside service (docs/connections.md).
 *
 * The host owns connections: it stores API keys, long-lived tokens and OAuth2 tokens sealed,
 * refreshes OAuth2 access tokens ahead of expiry and rotates refresh tokens. A plugin asks for
 * the access token when it needs one (every call, or after a 401) and never sees a refresh
 * token. A host before 1.4, or one without a database, returns NULL from get_service.
 *
 * Also the capability "market.connection-test/1" (ABI 1.5), below.
 */
#ifndef MARKET_CONNECTIONS_H
#define MARKET_CONNECTIONS_H

#include "host.h"
#include "call.h"

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

/*
 * market.connection-test/1 (ABI 1.5): a capability a plugin offers so that a tenant can check
 * its connection before relying on it (`market connections test PLUGIN --tenant T`, and
 * `POST /v1/tenants/{tenant}/connections/{plugin}/test`).
 */
#define MK_CONNECTION_TEST_V1 "market.connection-test/1"

typedef struct mk_connection_test_v1 {
    uint32_t struct_size; /* sizeof(mk_connection_test_v1_t) */
    /*
     * Checks, step by step, that the instance can use its service with the tenant's
     * connection, changing nothing there. Writes to `report` a JSON array of steps in the
     * order run, stopping at the first that fails:
     *   [{"step": "config", "ok": true, "detail": "…"},
     *    {"step": "credentials", "ok": true, "detail": "…"},
     *    {"step": "request", "ok": false, "detail": "HTTP 401: the service's own error text"}]
     * `config`: the settings the service needs are there; `credentials`: the host gave an
     * access token (market.connections/1) or the plugin has its key; `request`: one harmless
     * request (a read of the account) succeeded. Quote the service's own error text in
     * `detail`; never a token, key or secret.
     * Returns MK_OK when the report was written, whether or not every step passed; another
     * status when no report could be made (`error` says why). Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*test)(void *instance, const mk_call_t *call, mk_sink_t *report, mk_sink_t *error);
} mk_connection_test_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_CONNECTIONS_H */
