/*
 * slowsink — a test plugin that receives events slowly and keeps a journal of them.
 * Config: {"delay_ms": N, "journal": "/path"}. For each event it appends "start <id>" to the
 * journal, sleeps delay_ms, then appends "done <id>" and acknowledges. A process killed mid-way
 * leaves a start without its done, which is how the fault tests see deliveries in flight.
 * Concurrent: the host may deliver several events at once on different threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <market/market.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct slowsink {
    long delay_ms;
    char journal[1024];
} slowsink_t;

static mk_status_t put(mk_sink_t *sink, const char *text) {
    return sink ? sink->write(sink->ctx, text, strlen(text)) : MK_OK;
}

/* The string value of "name" in a flat JSON object, copied into out; 0 when absent. */
static int string_member(mk_str_t json, const char *name, char *out, size_t size) {
    char key[64];
    snprintf(key, sizeof key, "\"%s\":\"", name);
    const char *text = json.ptr, *end = json.ptr + json.len;
    size_t keylen = strlen(key);
    for (const char *p = text; p + keylen <= end; p++) {
        if (memcmp(p, key, keylen) != 0) continue;
        p += keylen;
        size_t n = 0;
        while (p < end && *p != '"' && n + 1 < size) out[n++] = *p++;
        out[n] = '\0';
        return 1;
    }
    return 0;
}

static long number_member(mk_str_t json, const char *name) {
    char key[64];
    snprintf(key, sizeof key, "\"%s\":", name);
    size_t keylen = strlen(key);
    for (const char *p = json.ptr; p + keylen <= json.ptr + json.len; p++) {
        if (memcmp(p, key, keylen) == 0) return strtol(p + keylen, NULL, 10);
    }
    return 0;
}

static void append(const slowsink_t *self, const char *what, const char *id) {
    char line[512];
    int n = snprintf(line, sizeof line, "%s %s\n", what, id);
    int fd = open(self->journal, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    /* One write of a short line with O_APPEND: lines from several threads never interleave. */
    ssize_t written = write(fd, line, (size_t)n);
    (void)written;
    fsync(fd);
    close(fd);
}

static mk_status_t create(const mk_host_t *host, mk_str_t config_json, void **out_instance, mk_sink_t *error) {
    (void)host;
    slowsink_t *self = calloc(1, sizeof(slowsink_t));
    if (!self) {
        put(error, "out of memory");
        return MK_ERR_INTERNAL;
    }
    self->delay_ms = number_member(config_json, "delay_ms");
    if (!string_member(config_json, "journal", self->journal, sizeof self->journal)) {
        free(self);
        put(error, "set journal to a file path");
        return MK_ERR_INVALID_ARGUMENT;
    }
    *out_instance = self;
    return MK_OK;
}

static void destroy(void *instance) { free(instance); }

static mk_status_t handle_event(void *instance, mk_str_t envelope, const mk_call_t *call, mk_sink_t *error) {
    (void)call;
    const slowsink_t *self = (const slowsink_t *)instance;
    char id[256];
    if (!string_member(envelope, "id", id, sizeof id)) {
        put(error, "the envelope has no id");
        return MK_ERR_REJECTED;
    }
    append(self, "start", id);
    struct timespec t = {self->delay_ms / 1000, (self->delay_ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
    append(self, "done", id);
    return MK_OK;
}

static const mk_events_v1_t events = {sizeof(mk_events_v1_t), handle_event};

static const void *get_capability(const char *id) {
    return strcmp(id, MK_EVENTS_V1) == 0 ? &events : NULL;
}

static const mk_plugin_descriptor_t descriptor = {
    sizeof(mk_plugin_descriptor_t), MK_ABI_VERSION, "slowsink", "1.0.0", NULL, MK_PLUGIN_CONCURRENT,
    create, destroy, get_capability,
};

MK_EXPORT const mk_plugin_descriptor_t *mk_plugin_entry_v1(uint32_t host_abi_version) {
    return MK_ABI_MAJOR(host_abi_version) == MK_ABI_VERSION_MAJOR ? &descriptor : NULL;
}
