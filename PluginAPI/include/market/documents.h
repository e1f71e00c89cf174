/*
 * market/documents.h — host service "market.documents/1" (ABI 1.3): JSON documents in named
 * collections, namespaced per plugin and tenant by the host (a plugin never sees another's
 * documents, nor another tenant's), queried by equality on top-level fields and ordered by one.
 *
 * For data a plugin must find by its content — "leads in stage X, newest first", "the contact
 * with this phone" — without listing every key of market.kv/1. A host before 1.3 returns NULL
 * from get_service for this id. docs/abi.md describes the query and page formats.
 */
#ifndef MARKET_DOCUMENTS_H
#define MARKET_DOCUMENTS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_DOCUMENTS_V1 "market.documents/1"

typedef struct mk_documents_v1 {
    uint32_t struct_size; /* sizeof(mk_documents_v1_t) */
    /*
     * Writes the document stored under (`collection`, `id`) to `document_json`, or returns
     * MK_ERR_NOT_FOUND. Collections are 1–64 characters of a-z 0-9 _ . -; ids 1–256 bytes of
     * UTF-8 (else MK_ERR_INVALID_ARGUMENT). Inputs are borrowed. Never NULL. [thread-safe]
     */
    mk_status_t (*get)(const mk_host_t *host, mk_str_t collection, mk_str_t id, mk_sink_t *document_json);
    /*
     * Stores `document_json` (a JSON object up to 1 MiB, else MK_ERR_INVALID_ARGUMENT or
     * MK_ERR_TOO_LARGE) under (`collection`, `id`), replacing any document there. Durable once
     * it returns MK_OK. Never NULL. [thread-safe]
     */
    mk_status_t (*put)(const mk_host_t *host, mk_str_t collection, mk_str_t id, mk_str_t document_json);
    /* Removes the document; MK_OK whether or not it existed. Never NULL. [thread-safe] */
    mk_status_t (*remove)(const mk_host_t *host, mk_str_t collection, mk_str_t id);
    /*
     * Runs `query_json` ({"where":{…},"order_by":"field","descending":true|false,"limit":N,"cursor":"…"},
     * every member optional) on `collection` and writes one page to `page_json`:
     * {"documents":[{"id":"…","document":{…}},…],"next_cursor":"…"|null}.
     * A malformed query or cursor gives MK_ERR_INVALID_ARGUMENT. Never NULL. [thread-safe]
     */
    mk_status_t (*query)(const mk_host_t *host, mk_str_t collection, mk_str_t query_json, mk_sink_t *page_json);
} mk_documents_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_DOCUMENTS_H */
