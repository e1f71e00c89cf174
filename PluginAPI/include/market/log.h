/*
 * market/log.h — host service "market.log/1": structured logging through the host's logger,
 * tagged with the plugin id and tenant. Plugins log through this, not to stdout.
 */
#ifndef MARKET_LOG_H
#define MARKET_LOG_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_LOG_V1 "market.log/1"

#define MK_LOG_TRACE 0
#define MK_LOG_DEBUG 1
#define MK_LOG_INFO 2
#define MK_LOG_WARNING 3
#define MK_LOG_ERROR 4

typedef struct mk_log_v1 {
    uint32_t struct_size; /* sizeof(mk_log_v1_t) */
    /*
     * Logs `message` at `level` (MK_LOG_*; unknown levels are logged as errors).
     * `fields_json` is a JSON object of extra fields, or {NULL, 0} for none; an invalid object is
     * logged as a single "fields" string. Both are borrowed for the call.
     * Never NULL. [thread-safe]
     */
    void (*log)(const mk_host_t *host, int32_t level, mk_str_t message, mk_str_t fields_json);
} mk_log_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_LOG_H */
