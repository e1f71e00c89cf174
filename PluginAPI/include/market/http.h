/*
 * market/http.h — host service "market.http/1": outbound HTTP performed by the host.
 *
 * Only hosts listed in the manifest's permissions.network may be reached; anything else fails
 * with MK_ERR_PERMISSION_DENIED before a connection is made. A host matched only by a wildcard
 * ("*", "*.example.com") is reached on public addresses only, unless the operator allowed the
 * range (loopback, private, link-local, …; docs/abi.md). The request shape is shared with
 * inbound hooks (market/ingress.h).
 */
#ifndef MARKET_HTTP_H
#define MARKET_HTTP_H

#include "host.h"
#include "call.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_HTTP_V1 "market.http/1"

typedef struct mk_http_header {
    mk_str_t name;
    mk_str_t value;
} mk_http_header_t;

typedef struct mk_http_request {
    uint32_t struct_size; /* sizeof(mk_http_request_t) */
    mk_str_t method;      /* "GET", "POST", … */
    /* Outbound: an absolute http(s) URL. Inbound (ingress): the path and query after the hook. */
    mk_str_t url;
    const mk_http_header_t *headers; /* `header_count` entries; NULL when 0 */
    size_t header_count;
    mk_str_t body;                  /* {NULL, 0} for none */
    /* Outbound: whole-request limit; 0 = host default (30 s); larger than the host's ceiling
     * (300 s) or than the call's remaining time is lowered to it. */
    uint32_t timeout_ms;
    /* Outbound: body cap; 0 = host default (8 MiB); lowered to the host's ceiling (64 MiB). */
    uint64_t max_response_bytes;
} mk_http_request_t;

typedef struct mk_http_v1 {
    uint32_t struct_size; /* sizeof(mk_http_v1_t) */
    /*
     * Performs `request` and blocks until the response is complete, the timeout or the call's
     * deadline passes, or the call is cancelled. All inputs are borrowed for the call.
     * `call` may be NULL (no deadline beyond timeout_ms). On MK_OK, *out_status holds the HTTP
     * status (any status, including 4xx/5xx, is MK_OK at this level). `response_headers`
     * receives one JSON object of lower-cased names to values (may be NULL: not wanted);
     * `response_body` receives the body in chunks as they arrive, so a streaming response can
     * be consumed while it lasts (may be NULL). A sink returning non-OK aborts the transfer.
     * Errors: MK_ERR_PERMISSION_DENIED (host not declared, or behind a wildcard grant and on a
     * guarded address), MK_ERR_INVALID_ARGUMENT (bad URL or method, or a header name or value
     * holding CR, LF or NUL), MK_ERR_TIMEOUT,
     * MK_ERR_CANCELLED, MK_ERR_TOO_LARGE (body over the cap; since 1.1 *out_status, the headers
     * and exactly the first max_response_bytes bytes are delivered first), MK_ERR_UNAVAILABLE
     * (DNS, connect, TLS failure). Redirects are not followed: a 3xx is the response.
     * Never NULL. [thread-safe; blocks the calling thread]
     */
    mk_status_t (*fetch)(const mk_host_t *host, const mk_http_request_t *request,
                         const mk_call_t *call, int32_t *out_status,
                         mk_sink_t *response_headers, mk_sink_t *response_body);
} mk_http_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_HTTP_H */
