/*
 * market/plugin.h — the entry point and the descriptor of a plugin library.
 *
 * A plugin library exports exactly one function symbol, mk_plugin_entry_v1. Build everything
 * else with -fvisibility=hidden. A future ABI v2 adds a second symbol, mk_plugin_entry_v2, so one
 * binary can serve hosts of both majors.
 */
#ifndef MARKET_PLUGIN_H
#define MARKET_PLUGIN_H

#include "types.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptor flags. */
#define MK_PLUGIN_SERIAL 0u     /* calls into one instance never overlap (the default) */
#define MK_PLUGIN_CONCURRENT 1u /* an instance may be called from several threads at once */

typedef struct mk_plugin_descriptor {
    uint32_t struct_size; /* sizeof(mk_plugin_descriptor_t) as the plugin knows it */
    uint32_t abi_version; /* MK_ABI_VERSION the plugin was built against */
    /* NUL-terminated, static. Must equal the manifest's "id" and "version". */
    const char *id;
    const char *version;
    /*
     * For Swift plugins, the toolchain that built the library ("swift-6.3.1"), static and
     * NUL-terminated; the host refuses a mismatch with its own. NULL for C, C++, Rust, Zig.
     */
    const char *toolchain;
    uint32_t flags; /* MK_PLUGIN_SERIAL or MK_PLUGIN_CONCURRENT */

    /*
     * Creates an instance for one tenant installation. `host` stays valid until destroy();
     * `config_json` is the configuration, one JSON object (the host guarantees that much;
     * the plugin checks the values it depends on), borrowed for this call.
     * On success stores the instance in *out_instance (may be NULL if the plugin keeps no
     * state) and returns MK_OK. On failure returns a status, writes a message for people to
     * `error`, and leaves *out_instance unset.
     * Never NULL. [any thread, never concurrently with another call on the same instance]
     */
    mk_status_t (*create)(const mk_host_t *host, mk_str_t config_json, void **out_instance,
                          mk_sink_t *error);

    /*
     * Releases an instance. No call on it is running or will follow. The host never unloads
     * the library afterwards. Never NULL. [any thread]
     */
    void (*destroy)(void *instance);

    /*
     * Returns the capability table for `id` (NUL-terminated, e.g. "market.tools/1") or NULL if
     * the plugin does not offer it. Tables are static, shared by all instances, and may be
     * looked up before any instance exists. Functions in them take the instance first.
     * Capabilities: "market.tools/1" (market/tools.h), "market.model/1" (market/model.h),
     * "market.events/1" (market/events.h), "market.ingress/1" (market/ingress.h),
     * "market.targets/1" (market/targets.h, ABI 1.1), "market.event-batches/1"
     * (market/events.h, ABI 1.2), "market.connection-test/1" (market/connections.h, ABI 1.5).
     * Never NULL. [thread-safe]
     */
    const void *(*get_capability)(const char *id);
} mk_plugin_descriptor_t;

/*
 * The entry point. Returns the plugin's static descriptor if it can serve a host of ABI
 * version `host_abi_version` (same major), or NULL if it cannot. Must not allocate per call,
 * start threads, or call back into the host. [any thread; may be called more than once]
 */
typedef const mk_plugin_descriptor_t *(*mk_plugin_entry_v1_fn)(uint32_t host_abi_version);
#define MK_PLUGIN_ENTRY_V1_SYMBOL "mk_plugin_entry_v1"

#ifdef __cplusplus
}
#endif

#endif /* MARKET_PLUGIN_H */
