/*
 * market/secrets.h — host service "market.secrets/1": read the instance's secrets (API keys,
 * tokens), which the host stores encrypted and never logs.
 */
#ifndef MARKET_SECRETS_H
#define MARKET_SECRETS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_SECRETS_V1 "market.secrets/1"

typedef struct mk_secrets_v1 {
    uint32_t struct_size; /* sizeof(mk_secrets_v1_t) */
    /*
     * Writes the secret `name` to `value`. MK_ERR_PERMISSION_DENIED if the manifest's
     * permissions.secrets does not list the name; MK_ERR_NOT_FOUND if it is not set for this
     * instance. Do not log or return the value. Never NULL. [thread-safe]
     */
    mk_status_t (*get)(const mk_host_t *host, mk_str_t name, mk_sink_t *value);
} mk_secrets_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_SECRETS_H */
