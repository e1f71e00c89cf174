/* Checks market/json.h from C: prints each failed check and exits 1 if any failed. */
#include <market/json.h>

#include <stdio.h>

static int failures = 0;
#define CHECK(cond) do { if (!(cond)) { printf("FAILED line %d: %s\n", __LINE__, #cond); failures++; } } while (0)

static mk_str_t s(const char *text) { mk_str_t v = {text, strlen(text)}; return v; }

/* Gets member `name` of `json` as a string into a static buffer; NULL on any failure. */
static const char *member_string(const char *json, const char *name) {
    static char buffer[256];
    mk_str_t value;
    if (mk_json_member(s(json), name, &value) != MK_OK) return NULL;
    return mk_json_string(value, buffer, sizeof buffer, NULL) == MK_OK ? buffer : NULL;
}

typedef struct { char data[4096]; size_t len; int calls; } out_t;

static mk_status_t collect(void *ctx, const char *ptr, size_t len) {
    out_t *out = (out_t *)ctx;
    if (out->len + len >= sizeof out->data) return MK_ERR_TOO_LARGE;
    memcpy(out->data + out->len, ptr, len);
    out->len += len;
    out->data[out->len] = '\0';
    out->calls++;
    return MK_OK;
}

static const char *written(const char *text, size_t len) {
    static out_t out;
    mk_sink_t sink = {sizeof(mk_sink_t), &out, collect};
    memset(&out, 0, sizeof out);
    return mk_json_write_string(&sink, text, len) == MK_OK ? out.data : NULL;
}

int main(void) {
    mk_str_t value;
    char small[4];
    size_t length = 0;
    double number = 0;
    int32_t flag = -1;

    /* Only the object's own members count, whatever comes first. */
    const char *eve = member_string("{\"meta\":{\"name\":\"Eve\"},\"name\":\"Ada\"}", "name");
    CHECK(eve && strcmp(eve, "Ada") == 0);
    CHECK(mk_json_member(s("{\"meta\":{\"name\":\"Eve\"}}"), "name", &value) == MK_ERR_NOT_FOUND);
    CHECK(mk_json_member(s("[{\"name\":\"Eve\"}]"), "name", &value) == MK_ERR_INVALID_ARGUMENT);
    /* A value that merely contains the key as text is not a member. */
    const char *tricky = member_string("{\"note\":\"\\\"name\\\":\\\"x\\\"\",\"name\":\"Bo\"}", "name");
    CHECK(tricky && strcmp(tricky, "Bo") == 0);
    /* Escapes are decoded, in keys too; surrogate pairs become UTF-8. */
    const char *escaped = member_string("{\"n\\u0061me\":\"a \\\"quote\\\" \\\\ \\u00e9 \\ud83d\\ude00\\n\"}", "name");
    CHECK(escaped && strcmp(escaped, "a \"quote\" \\ \xc3\xa9 \xf0\x9f\x98\x80\n") == 0);
    /* The last of duplicate keys wins; whitespace anywhere is fine. */
    const char *last = member_string(" { \"name\" : \"one\" , \"name\" : \"two\" } ", "name");
    CHECK(last && strcmp(last, "two") == 0);
    /* Malformed input is refused, not half-read. */
    CHECK(mk_json_member(s("{\"name\":\"Ada\""), "name", &value) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_member(s("{\"name\":\"Ada\"} x"), "name", &value) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_member(s("{\"a\":01,\"name\":\"Ada\"}"), "name", &value) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_member(s("{\"a\":\"\\x\",\"name\":\"Ada\"}"), "name", &value) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_member(s("{\"a\":\"\\ud800\"}"), "a", &value) == MK_ERR_INVALID_ARGUMENT); /* a lone surrogate is no character */
    CHECK(mk_json_member(s("{}"), "name", &value) == MK_ERR_NOT_FOUND);
    /* Deep nesting is refused rather than recursed into. */
    char deep[400] = "{\"a\":";
    for (int i = 0; i < 100; i++) strcat(deep, "[");
    for (int i = 0; i < 100; i++) strcat(deep, "]");
    strcat(deep, "}");
    CHECK(mk_json_member(s(deep), "a", &value) == MK_ERR_INVALID_ARGUMENT);
    /* Nested values come back as spans of the input. */
    CHECK(mk_json_member(s("{\"meta\": {\"x\": [1, 2]} }"), "meta", &value) == MK_OK && value.len == 13 && memcmp(value.ptr, "{\"x\": [1, 2]}", 13) == 0);

    /* Strings: sizes, truncation, copies. */
    CHECK(mk_json_string(s("\"hello\""), small, sizeof small, &length) == MK_ERR_TOO_LARGE && length == 5 && strcmp(small, "hel") == 0);
    CHECK(mk_json_string(s("\"\\u0000\""), small, sizeof small, NULL) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_string(s("5"), small, sizeof small, NULL) == MK_ERR_INVALID_ARGUMENT);
    char *copy = NULL;
    CHECK(mk_json_string_copy(s("\"a longer string than four\""), &copy) == MK_OK && copy && strcmp(copy, "a longer string than four") == 0);
    free(copy);

    /* Numbers and booleans. */
    CHECK(mk_json_member(s("{\"n\":-12.5e1}"), "n", &value) == MK_OK && mk_json_number(value, &number) == MK_OK && number == -125.0);
    CHECK(mk_json_number(s("\"5\""), &number) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_number(s("1."), &number) == MK_ERR_INVALID_ARGUMENT);
    CHECK(mk_json_bool(s(" true "), &flag) == MK_OK && flag == 1);
    CHECK(mk_json_bool(s("false"), &flag) == MK_OK && flag == 0);
    CHECK(mk_json_bool(s("1"), &flag) == MK_ERR_INVALID_ARGUMENT);

    /* Writing: what a user typed always makes one valid JSON string. */
    const char *quoted = written("say \"hi\" \\ now\n\t\x01", 17);
    CHECK(quoted && strcmp(quoted, "\"say \\\"hi\\\" \\\\ now\\n\\t\\u0001\"") == 0);
    const char *utf8 = written("\xc3\xa9\xf0\x9f\x98\x80", 6);
    CHECK(utf8 && strcmp(utf8, "\"\xc3\xa9\xf0\x9f\x98\x80\"") == 0);
    const char *invalid = written("a\xff" "b\xc3", 4);
    CHECK(invalid && strcmp(invalid, "\"a\\ufffdb\\ufffd\"") == 0);
    CHECK(strcmp(written("", 0), "\"\"") == 0);
    /* Long text goes out in several writes and arrives whole. */
    char text[600];
    memset(text, '"', sizeof text);
    const char *long_text = written(text, sizeof text);
    CHECK(long_text && strlen(long_text) == 2 + 2 * sizeof text);
    /* What was written reads back as the same text. */
    char round[64];
    CHECK(mk_json_string(s(written("x\"y\\z\n", 6)), round, sizeof round, NULL) == MK_OK && strcmp(round, "x\"y\\z\n") == 0);

    if (failures) printf("%d check(s) failed\n", failures);
    else printf("all checks passed\n");
    /* Arrays: walked in order, nested values whole, the end said once and then again. */
    {
        mk_str_t array = s(" [ 1, {\"a\":[2,3]} ,\"x\"] "), element;
        size_t cursor = 0;
        CHECK(mk_json_next_element(array, &cursor, &element) == MK_OK && element.len == 1 && element.ptr[0] == '1');
        CHECK(mk_json_next_element(array, &cursor, &element) == MK_OK && element.len == 11 && memcmp(element.ptr, "{\"a\":[2,3]}", 11) == 0);
        CHECK(mk_json_next_element(array, &cursor, &element) == MK_OK && element.len == 3 && memcmp(element.ptr, "\"x\"", 3) == 0);
        CHECK(mk_json_next_element(array, &cursor, &element) == MK_ERR_NOT_FOUND);
        CHECK(mk_json_next_element(array, &cursor, &element) == MK_ERR_NOT_FOUND);
        cursor = 0;
        CHECK(mk_json_next_element(s("[ ]"), &cursor, &element) == MK_ERR_NOT_FOUND);
        cursor = 0;
        CHECK(mk_json_next_element(s("{\"a\":1}"), &cursor, &element) == MK_ERR_INVALID_ARGUMENT);
        cursor = 0;
        CHECK(mk_json_next_element(s("[1 2]"), &cursor, &element) == MK_OK);
        CHECK(mk_json_next_element(s("[1 2]"), &cursor, &element) == MK_ERR_INVALID_ARGUMENT);
        cursor = 0;
        CHECK(mk_json_next_element(s("[1] x"), &cursor, &element) == MK_OK);
        CHECK(mk_json_next_element(s("[1] x"), &cursor, &element) == MK_ERR_INVALID_ARGUMENT);
    }

    return failures ? 1 : 0;
}
