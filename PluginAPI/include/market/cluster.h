/*
 * market/cluster.h — host service "market.cluster/1" (ABI 1.6): what a plugin needs to know of
 * the replicas of the host it runs in. Every replica loads its own instances, so a plugin that
 * must keep to an outside service's rate limit (requests per second per account) across the
 * whole deployment takes its share: the limit divided by the live replicas.
 */
#ifndef MARKET_CLUSTER_H
#define MARKET_CLUSTER_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_CLUSTER_V1 "market.cluster/1"

typedef struct mk_cluster_v1 {
    uint32_t struct_size; /* sizeof(mk_cluster_v1_t) */
    /*
     * How many replicas of this host serve the same database now, this one included: at least
     * 1, and 1 for a host that is no replica (a CLI run, a test). The count follows the
     * replicas' heartbeats (every 30 s), so it lags a replica that starts or dies by up to about
     * a minute. Cheap: a plugin may ask before every request. [thread-safe]
     */
    uint32_t (*replicas)(const mk_host_t *host);
} mk_cluster_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_CLUSTER_H */
