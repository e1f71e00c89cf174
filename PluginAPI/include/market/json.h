/*
 * market/json.h — a small JSON reader and writer for C and C++ plugins. Header-only and not
 * part of the ABI: nothing here crosses the boundary, so it may change without an ABI version.
 *
 * Reading. Tool arguments, configs and event envelopes arrive as one JSON value in a borrowed
 * mk_str_t. mk_json_member finds a member of an object by name at the top level only (so in
 * {"meta":{"name":"Eve"},"name":"Ada"} "name" is "Ada"); mk_json_next_element walks an array;
 * mk_json_string, mk_json_number and mk_json_bool decode a value. Values are spans of the input: valid as long as the input is.
 * Everything walked over is checked to be well-formed JSON; nesting deeper than
 * MK_JSON_MAX_DEPTH is refused rather than risking the stack.
 *
 * Writing. mk_json_write_string writes text as one quoted JSON string: quotes, backslashes and
 * control characters are escaped and invalid UTF-8 becomes U+FFFD, so whatever a user typed
 * never breaks a result. mk_json_write_raw writes literal JSON text (keys, punctuation).
 *
 * Nothing here allocates except mk_json_string_copy. Every function is [thread-safe]: it
 * reads only its arguments. It is longer than the ABI headers because it carries its code.
 */
#ifndef MARKET_JSON_H
#define MARKET_JSON_H

#include <stdlib.h>
#include <string.h>

#include "types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_JSON_MAX_DEPTH 64

/* Internal helpers (mk_json__*): not for plugins to call. */
static inline size_t mk_json__ws(mk_str_t j, size_t i) {
    while (i < j.len && (j.ptr[i] == ' ' || j.ptr[i] == '\t' || j.ptr[i] == '\n' || j.ptr[i] == '\r')) i++;
    return i;
}

static inline int mk_json__hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static inline int mk_json__hex4(mk_str_t j, size_t i, uint32_t *out) {
    uint32_t value = 0;
    if (i + 4 > j.len) return -1;
    for (size_t k = 0; k < 4; k++) {
        int digit = mk_json__hex(j.ptr[i + k]);
        if (digit < 0) return -1;
        value = value * 16 + (uint32_t)digit;
    }
    *out = value;
    return 0;
}

/* Decodes the next character of a string body at *i into out (1–4 UTF-8 bytes); returns the
 * byte count, 0 at the closing quote (with *i past it), -1 when malformed. */
static inline int mk_json__next(mk_str_t j, size_t *i, char out[4]) {
    if (*i >= j.len) return -1;
    unsigned char c = (unsigned char)j.ptr[*i];
    if (c == '"') { (*i)++; return 0; }
    if (c < 0x20) return -1;
    if (c != '\\') { out[0] = (char)c; (*i)++; return 1; }
    if (*i + 1 >= j.len) return -1;
    char e = j.ptr[*i + 1];
    *i += 2;
    switch (e) {
    case '"': out[0] = '"'; return 1;
    case '\\': out[0] = '\\'; return 1;
    case '/': out[0] = '/'; return 1;
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'u': break;
    default: return -1;
    }
    uint32_t cp;
    if (mk_json__hex4(j, *i, &cp) != 0) return -1;
    *i += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* a high surrogate needs its low half */
        uint32_t low;
        if (*i + 6 > j.len || j.ptr[*i] != '\\' || j.ptr[*i + 1] != 'u' || mk_json__hex4(j, *i + 2, &low) != 0 || low < 0xDC00 || low > 0xDFFF) return -1;
        *i += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return -1;
    }
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static inline int mk_json__skip_string(mk_str_t j, size_t *i) {
    char unit[4];
    if (*i >= j.len || j.ptr[*i] != '"') return -1;
    (*i)++;
    for (;;) {
        int n = mk_json__next(j, i, unit);
        if (n < 0) return -1;
        if (n == 0) return 0;
    }
}

static inline int mk_json__skip_number(mk_str_t j, size_t *i) {
    size_t k = *i, digits;
    if (k < j.len && j.ptr[k] == '-') k++;
    if (k < j.len && j.ptr[k] == '0') k++;
    else {
        for (digits = 0; k < j.len && j.ptr[k] >= '0' && j.ptr[k] <= '9'; k++) digits++;
        if (digits == 0) return -1;
    }
    if (k < j.len && j.ptr[k] == '.') {
        for (k++, digits = 0; k < j.len && j.ptr[k] >= '0' && j.ptr[k] <= '9'; k++) digits++;
        if (digits == 0) return -1;
    }
    if (k < j.len && (j.ptr[k] == 'e' || j.ptr[k] == 'E')) {
        k++;
        if (k < j.len && (j.ptr[k] == '+' || j.ptr[k] == '-')) k++;
        for (digits = 0; k < j.len && j.ptr[k] >= '0' && j.ptr[k] <= '9'; k++) digits++;
        if (digits == 0) return -1;
    }
    *i = k;
    return 0;
}

static inline int mk_json__skip_value(mk_str_t j, size_t *i, int depth) {
    *i = mk_json__ws(j, *i);
    if (*i >= j.len || depth > MK_JSON_MAX_DEPTH) return -1;
    char c = j.ptr[*i];
    if (c == '"') return mk_json__skip_string(j, i);
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        *i = mk_json__ws(j, *i + 1);
        if (*i < j.len && j.ptr[*i] == close) { (*i)++; return 0; }
        for (;;) {
            if (c == '{') {
                *i = mk_json__ws(j, *i);
                if (mk_json__skip_string(j, i) != 0) return -1;
                *i = mk_json__ws(j, *i);
                if (*i >= j.len || j.ptr[*i] != ':') return -1;
                (*i)++;
            }
            if (mk_json__skip_value(j, i, depth + 1) != 0) return -1;
            *i = mk_json__ws(j, *i);
            if (*i >= j.len) return -1;
            if (j.ptr[*i] == close) { (*i)++; return 0; }
            if (j.ptr[*i] != ',') return -1;
            (*i)++;
        }
    }
    static const char *const literals[] = {"true", "false", "null"};
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(literals[k]);
        if (j.len - *i >= n && memcmp(j.ptr + *i, literals[k], n) == 0) { *i += n; return 0; }
    }
    return mk_json__skip_number(j, i);
}

/* Whether the key string at *i (its opening quote) equals `name`; *i ends past the key. */
static inline int mk_json__key_is(mk_str_t j, size_t *i, const char *name, int *equal) {
    size_t matched = 0, name_len = strlen(name);
    char unit[4];
    *equal = 1;
    if (*i >= j.len || j.ptr[*i] != '"') return -1;
    (*i)++;
    for (;;) {
        int n = mk_json__next(j, i, unit);
        if (n < 0) return -1;
        if (n == 0) break;
        if (*equal && matched + (size_t)n <= name_len && memcmp(name + matched, unit, (size_t)n) == 0) matched += (size_t)n;
        else *equal = 0;
    }
    if (matched != name_len) *equal = 0;
    return 0;
}

/*
 * Finds the member `name` (NUL-terminated UTF-8, compared after unescaping the keys) of the
 * JSON object `object` and sets *value to its value's span. Only the object's own members
 * count, never those of nested objects; of duplicate keys the last wins.
 * Returns MK_OK; MK_ERR_NOT_FOUND when there is no such member; MK_ERR_INVALID_ARGUMENT when
 * `object` is not one well-formed JSON object (then *value is unchanged). `value` must not be
 * NULL. [thread-safe]
 */
static inline mk_status_t mk_json_member(mk_str_t object, const char *name, mk_str_t *value) {
    size_t i = mk_json__ws(object, 0);
    int found = 0, equal;
    mk_str_t last = {NULL, 0};
    if (!object.ptr || i >= object.len || object.ptr[i] != '{') return MK_ERR_INVALID_ARGUMENT;
    i = mk_json__ws(object, i + 1);
    if (i < object.len && object.ptr[i] == '}') i++;
    else {
        for (;;) {
            i = mk_json__ws(object, i);
            if (mk_json__key_is(object, &i, name, &equal) != 0) return MK_ERR_INVALID_ARGUMENT;
            i = mk_json__ws(object, i);
            if (i >= object.len || object.ptr[i] != ':') return MK_ERR_INVALID_ARGUMENT;
            size_t start = mk_json__ws(object, i + 1);
            i = start;
            if (mk_json__skip_value(object, &i, 2) != 0) return MK_ERR_INVALID_ARGUMENT;
            if (equal) { last.ptr = object.ptr + start; last.len = i - start; found = 1; }
            i = mk_json__ws(object, i);
            if (i >= object.len) return MK_ERR_INVALID_ARGUMENT;
            if (object.ptr[i] == '}') { i++; break; }
            if (object.ptr[i] != ',') return MK_ERR_INVALID_ARGUMENT;
            i++;
        }
    }
    if (mk_json__ws(object, i) != object.len) return MK_ERR_INVALID_ARGUMENT;
    if (!found) return MK_ERR_NOT_FOUND;
    *value = last;
    return MK_OK;
}

/*
 * Walks the JSON array `array` one element at a time, in order: start with *cursor = 0; each
 * call sets *value to the next element's span and returns MK_OK, and after the last element it
 * returns MK_ERR_NOT_FOUND (and keeps doing so). Returns MK_ERR_INVALID_ARGUMENT when `array` is
 * not one well-formed JSON array, as far as it was walked (*value is then unchanged). Each call
 * continues where the last stopped, so a walk is linear in the array's size. `cursor` and `value`
 * must not be NULL. [thread-safe]
 */
static inline mk_status_t mk_json_next_element(mk_str_t array, size_t *cursor, mk_str_t *value) {
    size_t i;
    if (!array.ptr) return MK_ERR_INVALID_ARGUMENT;
    if (*cursor > array.len) return MK_ERR_NOT_FOUND;
    if (*cursor == 0) {
        i = mk_json__ws(array, 0);
        if (i >= array.len || array.ptr[i] != '[') return MK_ERR_INVALID_ARGUMENT;
        i = mk_json__ws(array, i + 1);
        if (i < array.len && array.ptr[i] == ']') goto end;
    } else {
        /* *cursor is just past the previous element: a comma or the closing bracket follows. */
        i = mk_json__ws(array, *cursor);
        if (i >= array.len) return MK_ERR_INVALID_ARGUMENT;
        if (array.ptr[i] == ']') goto end;
        if (array.ptr[i] != ',') return MK_ERR_INVALID_ARGUMENT;
        i = mk_json__ws(array, i + 1);
    }
    {
        size_t start = i;
        if (mk_json__skip_value(array, &i, 2) != 0) return MK_ERR_INVALID_ARGUMENT;
        value->ptr = array.ptr + start;
        value->len = i - start;
        *cursor = i;
        return MK_OK;
    }
end:
    if (mk_json__ws(array, i + 1) != array.len) return MK_ERR_INVALID_ARGUMENT;
    *cursor = array.len + 1;
    return MK_ERR_NOT_FOUND;
}

/*
 * Decodes the JSON string `value` (escapes resolved, \uXXXX to UTF-8) into `buffer`, followed
 * by a NUL. *length (when `length` is not NULL) gets the decoded byte count without the NUL,
 * also when `capacity` is too small — call with capacity 0 to learn the size.
 * Returns MK_OK; MK_ERR_TOO_LARGE when length + 1 > capacity (the buffer then holds a
 * truncated, NUL-terminated prefix if capacity > 0); MK_ERR_INVALID_ARGUMENT when `value` is
 * not one JSON string or contains \u0000 (which a C string cannot hold). `buffer` may be NULL
 * only when `capacity` is 0. [thread-safe]
 */
static inline mk_status_t mk_json_string(mk_str_t value, char *buffer, size_t capacity, size_t *length) {
    size_t i = mk_json__ws(value, 0), n = 0;
    char unit[4];
    if (!value.ptr || i >= value.len || value.ptr[i] != '"') return MK_ERR_INVALID_ARGUMENT;
    i++;
    for (;;) {
        int size = mk_json__next(value, &i, unit);
        if (size < 0 || (size == 1 && unit[0] == '\0')) return MK_ERR_INVALID_ARGUMENT;
        if (size == 0) break;
        for (int k = 0; k < size; k++, n++) if (n + 1 < capacity) buffer[n] = unit[k];
    }
    if (mk_json__ws(value, i) != value.len) return MK_ERR_INVALID_ARGUMENT;
    if (length) *length = n;
    if (capacity > 0) buffer[n < capacity ? n : capacity - 1] = '\0';
    return n + 1 > capacity ? MK_ERR_TOO_LARGE : MK_OK;
}

/*
 * Like mk_json_string into a new buffer: *out gets a NUL-terminated copy the caller frees
 * with free(). Returns MK_OK, MK_ERR_INVALID_ARGUMENT (as mk_json_string; *out is NULL), or
 * MK_ERR_INTERNAL when memory ran out. `out` must not be NULL. [thread-safe]
 */
static inline mk_status_t mk_json_string_copy(mk_str_t value, char **out) {
    size_t length = 0;
    *out = NULL;
    mk_status_t status = mk_json_string(value, NULL, 0, &length);
    if (status != MK_OK && status != MK_ERR_TOO_LARGE) return status;
    char *copy = (char *)malloc(length + 1);
    if (!copy) return MK_ERR_INTERNAL;
    mk_json_string(value, copy, length + 1, NULL);
    *out = copy;
    return MK_OK;
}

/*
 * Reads the JSON number `value` into *out. Returns MK_OK, or MK_ERR_INVALID_ARGUMENT when
 * `value` is not one JSON number (a string "5" is not a number). Uses strtod, so the process
 * must use the "C" numeric locale (the host does). `out` must not be NULL. [thread-safe]
 */
static inline mk_status_t mk_json_number(mk_str_t value, double *out) {
    size_t start = mk_json__ws(value, 0), end = start;
    char text[64];
    if (!value.ptr || mk_json__skip_number(value, &end) != 0 || mk_json__ws(value, end) != value.len) return MK_ERR_INVALID_ARGUMENT;
    if (end - start >= sizeof text) return MK_ERR_INVALID_ARGUMENT;
    memcpy(text, value.ptr + start, end - start);
    text[end - start] = '\0';
    *out = strtod(text, NULL);
    return MK_OK;
}

/*
 * Reads the JSON `true` or `false` in `value` into *out (1 or 0). Returns MK_OK or
 * MK_ERR_INVALID_ARGUMENT. `out` must not be NULL. [thread-safe]
 */
static inline mk_status_t mk_json_bool(mk_str_t value, int32_t *out) {
    size_t i = mk_json__ws(value, 0);
    if (value.ptr && value.len - i >= 4 && memcmp(value.ptr + i, "true", 4) == 0 && mk_json__ws(value, i + 4) == value.len) { *out = 1; return MK_OK; }
    if (value.ptr && value.len - i >= 5 && memcmp(value.ptr + i, "false", 5) == 0 && mk_json__ws(value, i + 5) == value.len) { *out = 0; return MK_OK; }
    return MK_ERR_INVALID_ARGUMENT;
}

/*
 * Writes the NUL-terminated `json` to `sink` as it is: for keys and punctuation you wrote
 * yourself, never for text from outside (use mk_json_write_string). Returns the sink's status.
 * `sink` must not be NULL. [same thread as the call the sink was passed to]
 */
static inline mk_status_t mk_json_write_raw(mk_sink_t *sink, const char *json) {
    return sink->write(sink->ctx, json, strlen(json));
}

/*
 * Writes `len` bytes of `text` to `sink` as one JSON string with its quotes: `"`, `\` and
 * control characters escaped, invalid UTF-8 replaced by U+FFFD. `text` may be NULL when `len`
 * is 0. Returns MK_OK or the sink's first failure (stop and return it). `sink` must not be
 * NULL. [same thread as the call the sink was passed to]
 */
static inline mk_status_t mk_json_write_string(mk_sink_t *sink, const char *text, size_t len) {
    static const char hex[] = "0123456789abcdef";
    char buffer[256];
    size_t used = 0, i = 0;
    mk_status_t status;
    buffer[used++] = '"';
    while (i < len) {
        const unsigned char *p = (const unsigned char *)text + i;
        size_t left = len - i, size = 0;
        /* The length of a well-formed UTF-8 sequence at p (RFC 3629), or 0. */
        if (p[0] < 0x80) size = 1;
        else if (p[0] >= 0xC2 && p[0] <= 0xDF && left >= 2 && (p[1] & 0xC0) == 0x80) size = 2;
        else if (p[0] >= 0xE0 && p[0] <= 0xEF && left >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80
                 && !(p[0] == 0xE0 && p[1] < 0xA0) && !(p[0] == 0xED && p[1] > 0x9F)) size = 3;
        else if (p[0] >= 0xF0 && p[0] <= 0xF4 && left >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80
                 && !(p[0] == 0xF0 && p[1] < 0x90) && !(p[0] == 0xF4 && p[1] > 0x8F)) size = 4;
        if (used + 8 > sizeof buffer) {
            if ((status = sink->write(sink->ctx, buffer, used)) != MK_OK) return status;
            used = 0;
        }
        if (size == 0) { memcpy(buffer + used, "\\ufffd", 6); used += 6; i++; continue; }
        if (size == 1 && (p[0] == '"' || p[0] == '\\')) { buffer[used++] = '\\'; buffer[used++] = (char)p[0]; }
        else if (size == 1 && (p[0] == '\n' || p[0] == '\r' || p[0] == '\t')) {
            buffer[used++] = '\\';
            buffer[used++] = p[0] == '\n' ? 'n' : p[0] == '\r' ? 'r' : 't';
        } else if (size == 1 && p[0] < 0x20) {
            memcpy(buffer + used, "\\u00", 4);
            buffer[used + 4] = hex[p[0] >> 4];
            buffer[used + 5] = hex[p[0] & 0xF];
            used += 6;
        } else { memcpy(buffer + used, p, size); used += size; }
        i += size;
    }
    buffer[used++] = '"';
    return sink->write(sink->ctx, buffer, used);
}

#ifdef __cplusplus
}
#endif

#endif /* MARKET_JSON_H */
