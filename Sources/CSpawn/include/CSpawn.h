// The posix_spawn file action Swift's Glibc module does not bring: close every descriptor from one on, in the
// child. Nothing else lives here.
#ifndef TUNER_CSPAWN_H
#define TUNER_CSPAWN_H
#ifdef __linux__
#include <spawn.h>

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): after the actions before it, the child closes every
/// descriptor >= `from`. Returns 0, or an errno value (ENOSYS where the libc has no such action).
int cspawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);
#endif
#endif
