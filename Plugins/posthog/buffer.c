/* A growable byte buffer and the sinks over it. */
#include "posthog.h"

#include <market/json.h>
#include <stdlib.h>
#include <string.h>

buf_t *buf_new(void) {
    return calloc(1, sizeof(buf_t));
}

void buf_free(buf_t *buf) {
    if (!buf) return;
    free(buf->data);
    free(buf);
}

char *buf_take(buf_t *buf) {
    if (!buf) return NULL;
    buf_append(buf, "", 1); /* the NUL */
    char *text = buf->failed ? NULL : buf->data;
    if (buf->failed) free(buf->data);
    free(buf);
    return text;
}

void buf_append(buf_t *buf, const char *bytes, size_t len) {
    if (!buf || buf->failed) return;
    if (buf->len + len > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;
        while (cap < buf->len + len) cap *= 2;
        char *grown = realloc(buf->data, cap);
        if (!grown) {
            buf->failed = 1;
            return;
        }
        buf->data = grown;
        buf->cap = cap;
    }
    if (len) memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
}

void buf_add(buf_t *buf, const char *text) {
    buf_append(buf, text, strlen(text));
}

static mk_status_t buf_write(void *ctx, const char *ptr, size_t len) {
    buf_t *buf = (buf_t *)ctx;
    buf_append(buf, ptr, len);
    return buf->failed ? MK_ERR_INTERNAL : MK_OK;
}

mk_sink_t buf_sink(buf_t *buf) {
    mk_sink_t sink = {sizeof(mk_sink_t), buf, buf_write};
    return sink;
}

void buf_json_string(buf_t *buf, const char *text, size_t len) {
    mk_sink_t sink = buf_sink(buf);
    mk_json_write_string(&sink, text, len);
}

void sink_text(mk_sink_t *sink, const char *text) {
    if (sink && text) sink->write(sink->ctx, text, strlen(text));
}
