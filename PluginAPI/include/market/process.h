/*
 * market/process.h — host service "market.process/1": run a helper program with pipes, e.g.
 * an MCP server or a language server a plugin bridges to.
 *
 * Only programs named in the manifest's permissions.processes may be started (matched on the
 * program's name, looked up on PATH); anything else fails with MK_ERR_PERMISSION_DENIED. The
 * host owns every process: it kills those still running when the instance is destroyed. A
 * runner process performs the same calls on the plugin's behalf.
 */
#ifndef MARKET_PROCESS_H
#define MARKET_PROCESS_H

#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MK_PROCESS_V1 "market.process/1"

typedef struct mk_process_spec {
    uint32_t struct_size;          /* sizeof(mk_process_spec_t) */
    mk_str_t program;              /* a name looked up on PATH, or an absolute path */
    const mk_str_t *arguments;     /* `argument_count` entries, not including the program */
    size_t argument_count;
    const mk_str_t *environment;   /* `environment_count` "NAME=VALUE" entries added to a minimal
                                      environment (PATH, HOME, LANG); NULL when 0 */
    size_t environment_count;
} mk_process_spec_t;

typedef struct mk_process_v1 {
    uint32_t struct_size; /* sizeof(mk_process_v1_t) */
    /*
     * Starts the program with stdin and stdout as pipes (stderr goes to the host's log, tagged
     * with the plugin) and writes a handle to *out_process. All inputs are borrowed.
     * Errors: MK_ERR_PERMISSION_DENIED (not declared), MK_ERR_NOT_FOUND (no such program),
     * MK_ERR_INVALID_ARGUMENT, MK_ERR_UNAVAILABLE (the system refused). Never NULL. [thread-safe]
     */
    mk_status_t (*spawn)(const mk_host_t *host, const mk_process_spec_t *spec, uint64_t *out_process);
    /*
     * Writes all of `data` to the process's stdin, blocking while the pipe is full.
     * MK_ERR_UNAVAILABLE once the process has closed its stdin or exited; MK_ERR_NOT_FOUND for
     * an unknown handle. Never NULL. [thread-safe; one writer per process at a time]
     */
    mk_status_t (*write)(const mk_host_t *host, uint64_t process, mk_str_t data);
    /*
     * Waits up to `timeout_ms` for output, then writes what is available (at most 64 KiB) to
     * `out`. MK_ERR_TIMEOUT when nothing arrived in time; MK_ERR_UNAVAILABLE at end of output
     * (the process closed stdout or exited). Never NULL. [thread-safe; one reader per process]
     */
    mk_status_t (*read)(const mk_host_t *host, uint64_t process, uint32_t timeout_ms, mk_sink_t *out);
    /*
     * Stops the process: closes its stdin and allows half of `grace_ms` for it to exit, then
     * sends SIGTERM and allows the other half, then SIGKILLs its process group. Reaps it, writes
     * its exit status to *out_status (the negated signal number if a signal ended it; may be
     * NULL) and forgets the handle. Also for a process that already exited. Never NULL.
     * [thread-safe]
     */
    mk_status_t (*stop)(const mk_host_t *host, uint64_t process, uint32_t grace_ms, int32_t *out_status);
} mk_process_v1_t;

#ifdef __cplusplus
}
#endif

#endif /* MARKET_PROCESS_H */
