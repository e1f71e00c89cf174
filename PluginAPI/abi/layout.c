/*
 * Compile-time checks of the ABI's layout on the platforms Market supports (LP64).
 * A change that moves a field fails the build instead of breaking plugins at run time.
 */
#include "market/market.h"

#define MK_CHECK(cond) _Static_assert(cond, #cond)

MK_CHECK(sizeof(mk_str_t) == 16);
MK_CHECK(sizeof(mk_sink_t) == 24);
MK_CHECK(offsetof(mk_call_t, deadline_ns) == 8);
MK_CHECK(offsetof(mk_call_t, is_cancelled) == 40);
MK_CHECK(offsetof(mk_host_t, get_service) == 16);
MK_CHECK(offsetof(mk_plugin_descriptor_t, flags) == 32);
MK_CHECK(offsetof(mk_plugin_descriptor_t, create) == 40);
MK_CHECK(offsetof(mk_plugin_descriptor_t, get_capability) == 56);
MK_CHECK(sizeof(mk_plugin_descriptor_t) == 64);
MK_CHECK(sizeof(mk_http_request_t) == 88);
MK_CHECK(sizeof(mk_tools_v1_t) == 24);
MK_CHECK(sizeof(mk_events_v1_t) == 16);
MK_CHECK(sizeof(mk_event_batches_v1_t) == 16);
MK_CHECK(sizeof(mk_host_events_v1_t) == 16);
MK_CHECK(sizeof(mk_model_v1_t) == 16);
MK_CHECK(sizeof(mk_ingress_v1_t) == 16);
MK_CHECK(sizeof(mk_targets_v1_t) == 24);
/* 1.0 ended at 40 bytes; 1.6 appended put_expiring there. */
MK_CHECK(offsetof(mk_kv_v1_t, put_expiring) == 40);
MK_CHECK(sizeof(mk_kv_v1_t) == 48);
MK_CHECK(sizeof(mk_documents_v1_t) == 40);
MK_CHECK(sizeof(mk_cluster_v1_t) == 16);
MK_CHECK(offsetof(mk_cluster_v1_t, replicas) == 8);
MK_CHECK(sizeof(mk_connections_v1_t) == 16);
MK_CHECK(offsetof(mk_connections_v1_t, access_token) == 8);
MK_CHECK(sizeof(mk_connection_test_v1_t) == 16);
MK_CHECK(offsetof(mk_connection_test_v1_t, test) == 8);
