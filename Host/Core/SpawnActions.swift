import CSpawn
import Foundation

/// What every program the host starts inherits: its standard descriptors and nothing else. A
/// socket the host holds (a server's listener, a client's connection, a database connection)
/// would otherwise stay open in the child, so a connection the host closes would not end.
public enum SpawnActions {
    /// Adds "close every descriptor from 3 up" to `actions`, after its dup2s.
    public static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        _ = mk_spawn_close_from(&actions, 3)
    }
}
