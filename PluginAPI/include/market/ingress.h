/*
 * market/ingress.h — plugin capability "market.ingress/1": handle an inbound HTTP request sent
 * to the plugin's hook URL (/hooks/<hook id>/…, an opaque id per tenant installation), e.g. a
 * CRM's webhook. Requires
 * permissions.ingress in the manifest.
 */
#ifndef MARKET_INGRESS_H
#define MARKET_INGRESS_H

#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_INGRESS_V1 "market.ingress/1"

typedef struct mk_ingress_v1 {
    uint32_t struct_size; /* sizeof(mk_ingress_v1_t) */
    /*
     * Handles `request` (its url is the path and query below the hook; timeout_ms and
     * max_response_bytes are 0). Sets *out_status (the host answers 200 if left at 0), writes
     * response headers as one JSON object of names to values to `response_headers`, and the
     * body to `response_body`. A non-OK status makes the host answer 500 without the body.
     * All inputs are borrowed for the call. Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*handle)(void *instance, const mk_http_request_t *request, const mk_call_t *call,
                          int32_t *out_status, mk_sink_t *response_headers,
                          mk_sink_t *response_body);
} mk_ingress_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_INGRESS_H */
