/*
 * market/types.h — the vocabulary every other header uses.
 *
 * Versioning promise (ABI v1):
 *   - The major version changes only when an existing struct or function changes shape or
 *     meaning. A host refuses a plugin built for another major.
 *   - A minor version only appends: new fields at the end of a struct (found through its
 *     struct_size), new status codes, new service or capability ids.
 *   - Status values below are frozen. A caller must treat an unknown non-zero status as
 *     MK_ERR_INTERNAL.
 *   - No C enum or bool crosses the boundary; integers have explicit widths.
 */
#ifndef MARKET_TYPES_H
#define MARKET_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MK_ABI_VERSION_MAJOR 1u
#define MK_ABI_VERSION_MINOR 6u
/* A version packs major (high 16 bits) and minor (low 16 bits). */
#define MK_ABI_VERSION ((uint32_t)((MK_ABI_VERSION_MAJOR << 16) | MK_ABI_VERSION_MINOR))
#define MK_ABI_MAJOR(v) ((uint32_t)(v) >> 16)
#define MK_ABI_MINOR(v) ((uint32_t)(v) & 0xFFFFu)

/* The one symbol a plugin library exports (see market/plugin.h). */
#if defined(_WIN32)
#define MK_EXPORT __declspec(dllexport)
#else
#define MK_EXPORT __attribute__((visibility("default")))
#endif

/* Status codes: int32_t, frozen. 0 is success; everything else names a failure class. */
typedef int32_t mk_status_t;
#define MK_OK 0
#define MK_ERR_INVALID_ARGUMENT 1  /* the input was malformed or failed validation */
#define MK_ERR_NOT_FOUND 2         /* no such tool, key, secret or service */
#define MK_ERR_PERMISSION_DENIED 3 /* the manifest does not grant this (host, secret, event) */
#define MK_ERR_TIMEOUT 4           /* the call's deadline passed */
#define MK_ERR_CANCELLED 5         /* the caller cancelled the call */
#define MK_ERR_TOO_LARGE 6         /* a sink or request exceeded its size cap */
#define MK_ERR_UNAVAILABLE 7       /* a dependency could not be reached; may succeed later */
#define MK_ERR_UNSUPPORTED 8       /* the operation is not offered by this side */
#define MK_ERR_INTERNAL 9          /* a bug or unexpected state; details in the error sink */
#define MK_ERR_RATE_LIMITED 10     /* an upstream asked to slow down */
#define MK_ERR_UNAUTHENTICATED 11  /* credentials missing or refused by an upstream */
#define MK_ERR_CONTEXT_TOO_LONG 12 /* a model's context window was exceeded */
#define MK_ERR_RETRY_LATER 13      /* events: not handled now, deliver again later */
#define MK_ERR_REJECTED 14         /* events: will never be handled, do not retry */
#define MK_ERR_UPSTREAM 15         /* an upstream service answered with an error */

/*
 * A borrowed UTF-8 string: `len` bytes at `ptr`, not NUL-terminated.
 * Valid only for the duration of the call it is passed to; copy it to keep it.
 * `ptr` may be NULL only when `len` is 0.
 */
typedef struct mk_str {
    const char *ptr;
    size_t len;
} mk_str_t;

/*
 * A sink receives output from the other side, so that neither side frees the other's memory.
 * The owner of the sink (the caller of the function it is passed to) owns `ctx` and whatever
 * `write` accumulates.
 */
typedef struct mk_sink {
    uint32_t struct_size; /* sizeof(mk_sink_t) */
    void *ctx;            /* owned by the sink's creator; opaque to the writer */
    /*
     * Appends `len` bytes at `ptr` (copied before returning; `ptr` may be freed afterwards).
     * Several writes concatenate. Returns MK_OK, or MK_ERR_TOO_LARGE when the owner's size cap
     * was reached (the writer should stop and return MK_ERR_TOO_LARGE itself), or
     * MK_ERR_CANCELLED when the owner no longer wants the output.
     * Never NULL. [same thread as the call the sink was passed to]
     */
    mk_status_t (*write)(void *ctx, const char *ptr, size_t len);
} mk_sink_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_TYPES_H */
