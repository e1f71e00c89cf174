/*
 * From Market's event envelope to PostHog's event, and the outcomes back to the host.
 *
 * {"event": type, "uuid": UUIDv5(tenant:id), "timestamp": the event's own,
 *  "properties": {<data's members>, "distinct_id", "tenant_id", "conversation_id",
 *                 "experiment", "variant", "$feature/<experiment>", "$lib": "market-posthog"}}
 * The host's members come after data's, so data cannot override them.
 */
#include "posthog.h"

#include <market/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- SHA-1 (for name-based UUIDs; not used for security) ---- */

typedef struct sha1 {
    uint32_t h[5];
    uint64_t length;
    uint8_t block[64];
    size_t used;
} sha1_t;

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(sha1_t *s, const uint8_t *p) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6; }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d; d = c; c = rol(b, 30); b = a; a = t;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

static void sha1_update(sha1_t *s, const void *data, size_t len) {
    const uint8_t *p = data;
    s->length += len;
    while (len--) {
        s->block[s->used++] = *p++;
        if (s->used == 64) { sha1_block(s, s->block); s->used = 0; }
    }
}

static void sha1_final(sha1_t *s, uint8_t out[20]) {
    uint64_t bits = s->length * 8;
    uint8_t pad = 0x80, zero = 0;
    sha1_update(s, &pad, 1);
    while (s->used != 56) sha1_update(s, &zero, 1);
    uint8_t length[8];
    for (int i = 0; i < 8; i++) length[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(s, length, 8);
    for (int i = 0; i < 20; i++) out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* The namespace of Market's event UUIDs (a fixed random UUID). */
static const uint8_t event_namespace[16] = {0x6f, 0x1c, 0x52, 0x3e, 0x8a, 0x0b, 0x4d, 0x29,
                                            0x9e, 0x57, 0x13, 0xc4, 0x7a, 0x62, 0xd8, 0x05};

void event_uuid(const char *tenant, const char *id, char out[37]) {
    sha1_t s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, 0, {0}, 0};
    sha1_update(&s, event_namespace, 16);
    sha1_update(&s, tenant, strlen(tenant));
    sha1_update(&s, ":", 1);
    sha1_update(&s, id, strlen(id));
    uint8_t digest[20];
    sha1_final(&s, digest);
    digest[6] = (uint8_t)((digest[6] & 0x0F) | 0x50); /* version 5 */
    digest[8] = (uint8_t)((digest[8] & 0x3F) | 0x80); /* RFC variant */
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[digest[i] >> 4];
        out[o++] = hex[digest[i] & 15];
    }
    out[o] = '\0';
}

/* ---- conversion ---- */

static outcome_t rejected(const char *why) {
    outcome_t outcome = {OUTCOME_REJECTED, strdup(why)};
    return outcome;
}

/* The decoded string member `name` of `object` (malloc'd), or NULL. */
static char *member_text(mk_str_t object, const char *name) {
    mk_str_t value;
    char *text = NULL;
    if (mk_json_member(object, name, &value) != MK_OK || mk_json_string_copy(value, &text) != MK_OK) return NULL;
    return text;
}

static void add_property(buf_t *out, int *first, const char *name, const char *value) {
    if (!value) return;
    if (!*first) buf_add(out, ",");
    *first = 0;
    buf_json_string(out, name, strlen(name));
    buf_add(out, ":");
    buf_json_string(out, value, strlen(value));
}

outcome_t convert_event(mk_str_t envelope, char **out, size_t *out_len, size_t max_bytes) {
    *out = NULL;
    *out_len = 0;
    char *id = member_text(envelope, "id"), *type = member_text(envelope, "type");
    char *timestamp = member_text(envelope, "timestamp"), *tenant = member_text(envelope, "tenant_id");
    char *conversation = member_text(envelope, "conversation_id");
    mk_str_t data = {NULL, 0}, experiment = {NULL, 0};
    int has_data = mk_json_member(envelope, "data", &data) == MK_OK && data.len > 0 && data.ptr[0] == '{';
    char *user = has_data ? member_text(data, "user_id") : NULL;
    char *experiment_id = NULL, *variant = NULL;
    if (mk_json_member(envelope, "experiment", &experiment) == MK_OK && experiment.len > 0 && experiment.ptr[0] == '{') {
        experiment_id = member_text(experiment, "id");
        variant = member_text(experiment, "variant");
    }
    outcome_t outcome = {OUTCOME_ACKNOWLEDGED, NULL};
    if (!id || !type || !timestamp || !tenant || !has_data) {
        outcome = rejected("the envelope lacks id, type, timestamp, tenant_id or a data object");
    } else {
        char uuid[37];
        event_uuid(tenant, id, uuid);
        buf_t *buf = buf_new();
        buf_add(buf, "{\"event\":");
        buf_json_string(buf, type, strlen(type));
        buf_add(buf, ",\"uuid\":\"");
        buf_add(buf, uuid);
        buf_add(buf, "\",\"timestamp\":");
        buf_json_string(buf, timestamp, strlen(timestamp));
        buf_add(buf, ",\"properties\":{");
        /* data's own members, as they are */
        size_t inner_start = 1, inner_end = data.len - 1;
        while (inner_start < inner_end && strchr(" \t\r\n", data.ptr[inner_start])) inner_start++;
        int first = inner_start >= inner_end;
        buf_append(buf, data.ptr + inner_start, inner_end - inner_start);
        /* a user's events are theirs; others belong to the conversation, else the tenant */
        char fallback[512];
        snprintf(fallback, sizeof fallback, "%s:%s", conversation ? "conversation" : "tenant", conversation ? conversation : tenant);
        add_property(buf, &first, "distinct_id", user ? user : fallback);
        add_property(buf, &first, "tenant_id", tenant);
        add_property(buf, &first, "conversation_id", conversation);
        add_property(buf, &first, "experiment", experiment_id);
        add_property(buf, &first, "variant", variant);
        if (experiment_id && variant) {
            char feature[300];
            snprintf(feature, sizeof feature, "$feature/%s", experiment_id);
            add_property(buf, &first, feature, variant);
        }
        add_property(buf, &first, "$lib", "market-posthog");
        buf_add(buf, "}}");
        if (buf->failed) {
            outcome = (outcome_t){OUTCOME_RETRY, strdup("out of memory")};
            buf_free(buf);
        } else if (buf->len > max_bytes) {
            char why[160];
            snprintf(why, sizeof why, "the event is over 1 MB as a PostHog event (%zu bytes), which PostHog drops: not sent", buf->len);
            outcome = rejected(why);
            buf_free(buf);
        } else {
            *out_len = buf->len;
            *out = buf_take(buf);
            if (!*out) outcome = (outcome_t){OUTCOME_RETRY, strdup("out of memory")};
        }
    }
    free(id); free(type); free(timestamp); free(tenant); free(conversation); free(user); free(experiment_id); free(variant);
    return outcome;
}

outcome_t outcome_copy(outcome_t outcome) {
    outcome_t copy = {outcome.kind, outcome.error ? strdup(outcome.error) : NULL};
    return copy;
}

mk_status_t write_outcomes(mk_sink_t *sink, const outcome_t *outcomes, size_t n) {
    buf_t *buf = buf_new();
    buf_add(buf, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_add(buf, ",");
        switch (outcomes[i].kind) {
        case OUTCOME_ACKNOWLEDGED: buf_add(buf, "{\"outcome\":\"acknowledged\"}"); continue;
        case OUTCOME_RETRY: buf_add(buf, "{\"outcome\":\"retry\",\"error\":"); break;
        case OUTCOME_REJECTED: buf_add(buf, "{\"outcome\":\"rejected\",\"error\":"); break;
        }
        const char *error = outcomes[i].error ? outcomes[i].error : "";
        buf_json_string(buf, error, strlen(error));
        buf_add(buf, "}");
    }
    buf_add(buf, "]");
    mk_status_t rc = buf->failed ? MK_ERR_INTERNAL : sink->write(sink->ctx, buf->data, buf->len);
    buf_free(buf);
    return rc;
}

/* ---- requests ---- */

char *batch_url(const char *host) {
    size_t len = strlen(host);
    while (len > 0 && host[len - 1] == '/') len--;
    char *url = malloc(len + sizeof "/batch/");
    if (!url) return NULL;
    memcpy(url, host, len);
    memcpy(url + len, "/batch/", sizeof "/batch/");
    return url;
}

char *describe_failure(mk_status_t status, const char *url) {
    char text[600];
    switch (status) {
    case MK_ERR_PERMISSION_DENIED:
        snprintf(text, sizeof text, "%s is not a host the posthog plugin may reach: add it to permissions.network (or --allow-network for a private address)", url);
        break;
    case MK_ERR_TIMEOUT: snprintf(text, sizeof text, "PostHog did not answer in time (%s)", url); break;
    case MK_ERR_INVALID_ARGUMENT: snprintf(text, sizeof text, "%s is not a usable URL: check the host setting", url); break;
    default: snprintf(text, sizeof text, "PostHog could not be reached at %s (status %d)", url, (int)status); break;
    }
    return strdup(text);
}

char *describe_status(int32_t status, const buf_t *answer) {
    char text[600];
    int shown = answer && answer->len ? (int)(answer->len < 300 ? answer->len : 300) : 0;
    const char *body = shown ? answer->data : "";
    if (status == 401 || status == 403)
        snprintf(text, sizeof text, "PostHog refused the project API key (HTTP %d): check the api_key secret: %.*s", (int)status, shown, body);
    else
        snprintf(text, sizeof text, "PostHog answered HTTP %d: %.*s", (int)status, shown, body);
    return strdup(text);
}
