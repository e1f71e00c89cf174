import Foundation
import PluginRuntime

/// A plugin's loaded library as the owner serves it now: the library, the build it is, and the
/// folder it came from.
public struct HostedLibrary: Sendable {
    public let library: PluginLibrary
    public let identity: LibraryIdentity
    /// The resolved folder (an installed plugin's version folder, or a development folder).
    public let folder: URL

    public var id: String { library.id }
}
