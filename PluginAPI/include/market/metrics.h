/*
 * market/metrics.h — host service "market.metrics/1": counters, gauges and histograms that the
 * host exports (Prometheus), named plugin_<id>_<name> and labelled with the tenant.
 */
#ifndef MARKET_METRICS_H
#define MARKET_METRICS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_METRICS_V1 "market.metrics/1"

#define MK_METRIC_COUNTER 0   /* value is added (must be >= 0) */
#define MK_METRIC_GAUGE 1     /* value replaces the current one */
#define MK_METRIC_HISTOGRAM 2 /* value is one observation (e.g. seconds) */

typedef struct mk_metrics_v1 {
    uint32_t struct_size; /* sizeof(mk_metrics_v1_t) */
    /*
     * Records `value` for the metric `name` ([a-z0-9_]{1,64}) of `kind` (MK_METRIC_*).
     * `labels_json` is a flat JSON object of string values, or {NULL, 0} for none.
     * Errors: MK_ERR_INVALID_ARGUMENT (bad name, kind or labels). Never NULL. [thread-safe]
     */
    mk_status_t (*record)(const mk_host_t *host, int32_t kind, mk_str_t name,
                          mk_str_t labels_json, double value);
} mk_metrics_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_METRICS_H */
