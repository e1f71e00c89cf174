import Foundation
import MarketCore

/// What an install or update will do: the packages to fetch and switch in, and the requested
/// plugins that are already as asked. Planning reads metadata only; nothing on disk changes.
public struct InstallPlan: Sendable {
    /// Where a step's package comes from.
    public enum Origin: Sendable {
        /// An artifact of a registry, checked against its index entry.
        case registry(RegistryClient, IndexMetadata.Artifact, IndexMetadata.Version)
        /// A package file given with `install --from`.
        case file(URL)
    }

    /// One plugin to install or replace.
    public struct Step: Sendable {
        public var id: String
        public var version: String
        public var origin: Origin
        /// The publisher keys the package may be signed by, by id.
        public var publishers: [String: PublicKey]
        /// The registry location recorded in the lock (`file://<path>` for a package file).
        public var source: String
        /// The range recorded in the lock for `update`.
        public var range: String?
        public var requested: Bool
        /// The locked entry this step replaces, if the plugin is installed.
        public var replacing: LockFile.Entry?

        /// The permissions hash the index announces, when there is an index.
        public var announcedPermissions: String? {
            if case .registry(_, _, let entry) = origin { return entry.permissions }
            return nil
        }

        /// Whether the index already says the permissions differ from the locked ones (the
        /// package itself tells for a package file).
        public var changesPermissions: Bool {
            guard let replacing, let announced = announcedPermissions else { return false }
            return replacing.permissions != announced
        }
    }

    /// The plugins to fetch and switch in, dependencies included.
    public var steps: [Step]
    /// Requested plugins that are already installed at the chosen version.
    public var unchanged: [(id: String, version: String)]

    public init(steps: [Step], unchanged: [(id: String, version: String)]) {
        self.steps = steps
        self.unchanged = unchanged
    }

    /// Whether nothing needs switching.
    public var isEmpty: Bool { steps.isEmpty }
}
