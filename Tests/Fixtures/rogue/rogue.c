/*
 * rogue — a test plugin that misbehaves the ways no in-process host can stop, for the tests of
 * what the host does around it:
 *   spin      loops forever, never looking at its deadline
 *   sleep     sleeps {"ms": N} milliseconds, never looking at its deadline
 *   exit_now  calls exit({"status": N}) (default 0), as a careless library might
 * Events: every delivered event spins forever. Config {"spin_on_list": true}: listing the
 * tools spins forever too; {"spin_on_create": true}: creating an instance does. Serial unless compiled with -DROGUE_CONCURRENT.
 */
#define _GNU_SOURCE
#include <market/market.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef ROGUE_CONCURRENT
#define ROGUE_FLAGS MK_PLUGIN_CONCURRENT
#else
#define ROGUE_FLAGS MK_PLUGIN_SERIAL
#endif

typedef struct rogue {
    int spin_on_list;
} rogue_t;

static mk_status_t put(mk_sink_t *sink, const char *text) { return sink->write(sink->ctx, text, strlen(text)); }

static long number_member(mk_str_t json, const char *name) {
    char key[64];
    size_t keylen = (size_t)snprintf(key, sizeof key, "\"%s\":", name);
    for (const char *p = json.ptr; p + keylen <= json.ptr + json.len; p++) {
        if (memcmp(p, key, keylen) == 0) return strtol(p + keylen, NULL, 10);
    }
    return 0;
}

/* Loops forever. It naps each turn rather than burning a core: the host cannot tell the two
 * apart, and tests that leave several of these running share a small machine. */
static void spin(void) {
    for (;;) {
        struct timespec t = {0, 1000000L};
        nanosleep(&t, NULL);
    }
}

static mk_status_t create(const mk_host_t *host, mk_str_t config_json, void **out_instance, mk_sink_t *error) {
    (void)host;
    if (memmem(config_json.ptr, config_json.len, "\"spin_on_create\":true", 21)) spin();
    rogue_t *self = calloc(1, sizeof(rogue_t));
    if (!self) {
        put(error, "out of memory");
        return MK_ERR_INTERNAL;
    }
    self->spin_on_list = memmem(config_json.ptr, config_json.len, "\"spin_on_list\":true", 19) != NULL;
    *out_instance = self;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t list(void *instance, mk_sink_t *out) {
    if (((const rogue_t *)instance)->spin_on_list) spin();
    return put(out, "["
        "{\"name\":\"spin\",\"description\":\"Loops forever.\",\"input_schema\":{\"type\":\"object\"}},"
        "{\"name\":\"sleep\",\"description\":\"Sleeps ms milliseconds.\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"integer\"}}}},"
        "{\"name\":\"exit_now\",\"description\":\"Calls exit(status).\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"integer\"}}}}"
        "]");
}

static int named(mk_str_t name, const char *text) { return name.len == strlen(text) && memcmp(name.ptr, text, name.len) == 0; }

static mk_status_t call(void *instance, mk_str_t name, mk_str_t args, const mk_call_t *c, mk_sink_t *result, mk_sink_t *error) {
    (void)instance;
    (void)c;
    if (named(name, "spin")) spin();
    if (named(name, "sleep")) {
        long ms = number_member(args, "ms");
        struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&t, &t) != 0) {}
        return put(result, "{\"slept\":true}");
    }
    if (named(name, "exit_now")) exit((int)number_member(args, "status"));
    put(error, "no such tool");
    return MK_ERR_NOT_FOUND;
}

static mk_status_t handle_event(void *instance, mk_str_t envelope, const mk_call_t *c, mk_sink_t *error) {
    (void)instance;
    (void)envelope;
    (void)c;
    (void)error;
    spin();
    return MK_OK;
}

static const mk_tools_v1_t tools = {sizeof(mk_tools_v1_t), list, call};
static const mk_events_v1_t events = {sizeof(mk_events_v1_t), handle_event};

static const void *get_capability(const char *id) {
    if (strcmp(id, MK_TOOLS_V1) == 0) return &tools;
    if (strcmp(id, MK_EVENTS_V1) == 0) return &events;
    return NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "rogue", "1.0.0", NULL, ROGUE_FLAGS,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
