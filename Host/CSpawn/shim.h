// glibc's posix_spawn extensions that Swift's Glibc module does not import.
#ifndef MARKET_CSPAWN_SHIM_H
#define MARKET_CSPAWN_SHIM_H
#include <spawn.h>

// Declared by <spawn.h> only under _GNU_SOURCE, which would change other system types from
// those Swift's Glibc module sees; glibc has had it since 2.34.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int lowest);

/// Closes every descriptor from `lowest` up in the child.
static inline int mk_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}
#endif
