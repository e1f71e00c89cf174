// glibc's posix_spawn extensions that Swift's Glibc module does not import.
#ifndef MARKET_CSPAWN_SHIM_H
#define MARKET_CSPAWN_SHIM_H
#include <fcntl.h>
#include <spawn.h>

// Declared by <spawn.h> and <unistd.h> only under _GNU_SOURCE, which would change other system
// types from those Swift's Glibc module sees. glibc has had pipe2 since 2.9, addchdir_np since
// 2.29 and addclosefrom_np since 2.34.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int lowest);
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int pipe2(int descriptors[2], int flags);

/// Closes every descriptor from `lowest` up in the child.
static inline int mk_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

/// Changes the child's working directory before it runs its program.
static inline int mk_spawn_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

/// A pipe whose two ends are close-on-exec from the start (no window for another thread's
/// spawn to inherit them).
static inline int mk_pipe_cloexec(int descriptors[2]) {
    return pipe2(descriptors, O_CLOEXEC);
}
#endif
