#if os(Linux)
import Glibc
internal import CSpawn

/// Adds "close every descriptor from `first` on" to a child's spawn actions (glibc 2.34+; elsewhere the child
/// inherits what has no close-on-exec, as before).
func closeFrom(_ first: Int32, in actions: inout posix_spawn_file_actions_t) {
    _ = cspawn_addclosefrom(&actions, first)
}
#endif
