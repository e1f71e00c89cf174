/*
 * market/tools.h — plugin capability "market.tools/1": tools a chat model or a slash command
 * can call.
 */
#ifndef MARKET_TOOLS_H
#define MARKET_TOOLS_H

#include "call.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_TOOLS_V1 "market.tools/1"

typedef struct mk_tools_v1 {
    uint32_t struct_size; /* sizeof(mk_tools_v1_t) */
    /*
     * Writes a JSON array describing the tools to `out`:
     *   [{"name":"word_count","description":"…","input_schema":{JSON Schema object}}]
     * Names match [A-Za-z0-9_.-]{1,64}. The list may depend on the instance's config.
     * Never NULL. [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*list)(void *instance, mk_sink_t *out);

    /*
     * Calls tool `name` with `arguments_json`. The host guarantees it is one JSON object; the
     * plugin checks the values against its input_schema. On MK_OK writes the result, one JSON
     * value, to `result`. On failure returns a status and writes a message that is safe to show
     * a user or a model to `error`: MK_ERR_NOT_FOUND (no such tool), MK_ERR_INVALID_ARGUMENT,
     * MK_ERR_TIMEOUT / MK_ERR_CANCELLED (see `call`), or any other code.
     * All inputs are borrowed for the call. Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*call)(void *instance, mk_str_t name, mk_str_t arguments_json,
                        const mk_call_t *call, mk_sink_t *result, mk_sink_t *error);
} mk_tools_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_TOOLS_H */
