/*
 * market/model.h — plugin capability "market.model/1": a chat-completion model provider.
 *
 * Requests and results use the OpenAI chat-completions shapes, whatever the vendor:
 *   request: {"model":"…","messages":[{"role":"system|user|assistant|tool",…}],
 *             "tools":[{"type":"function","function":{"name","description","parameters"}}],
 *             "tool_choice":"auto","temperature":0.2,"max_tokens":512}
 *   delta:   one chat.completion.chunk "delta" object per write, e.g. {"content":"Hel"} or
 *            {"tool_calls":[{"index":0,"id":"…","function":{"name":"…","arguments":"{\"a"}}]}
 *   result:  {"message":{"role":"assistant","content":…,"tool_calls":[…]},
 *             "finish_reason":"stop|tool_calls|length","model":"…",
 *             "usage":{"prompt_tokens":N,"completion_tokens":N}}
 */
#ifndef MARKET_MODEL_H
#define MARKET_MODEL_H

#include "call.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_MODEL_V1 "market.model/1"

typedef struct mk_model_v1 {
    uint32_t struct_size; /* sizeof(mk_model_v1_t) */
    /*
     * Runs one completion of `request_json`, borrowed for the call. When `deltas` is not NULL
     * the plugin streams: each write is one delta object, in order, as the vendor sends them;
     * a delta sink returning MK_ERR_CANCELLED means stop. On MK_OK the final result is written
     * once to `result`. On failure writes a message to `error` and returns MK_ERR_UNAUTHENTICATED,
     * MK_ERR_RATE_LIMITED (then *out_retry_after_ms holds the delay asked for, 0 if unknown),
     * MK_ERR_CONTEXT_TOO_LONG, MK_ERR_UPSTREAM, MK_ERR_UNAVAILABLE, MK_ERR_TIMEOUT or
     * MK_ERR_CANCELLED; an error arriving mid-stream is reported the same way after the deltas
     * already written. `out_retry_after_ms` is never NULL and starts at 0. Never NULL.
     * [instance thread for serial plugins; any thread for concurrent ones]
     */
    mk_status_t (*complete)(void *instance, mk_str_t request_json, const mk_call_t *call,
                            mk_sink_t *deltas, mk_sink_t *result, mk_sink_t *error,
                            uint32_t *out_retry_after_ms);
} mk_model_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_MODEL_H */
