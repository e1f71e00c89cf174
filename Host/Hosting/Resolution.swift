import Synchronization

/// One plugin id's last resolution by the owner, shared by every `ServingInstance` of that id:
/// the identity it resolved to, and a serial number that changes whenever the identity does.
/// A caller compares the serial it saw with one atomic load per call; only when it moved does it
/// look at the identity (under the lock).
final class Resolution: Sendable {
    private let serial = Atomic<Int>(0)
    private let identity = Mutex<LibraryIdentity?>(nil)

    /// Records `identity` as the id's resolution; the serial moves only when it differs.
    func note(_ identity: LibraryIdentity?) {
        self.identity.withLock { current in
            guard current != identity else { return }
            current = identity
            serial.add(1, ordering: .releasing)
        }
    }

    /// The serial number now: unchanged means the resolution is the one last read.
    var currentSerial: Int { serial.load(ordering: .acquiring) }

    /// The identity and the serial it belongs to, read together.
    var current: (identity: LibraryIdentity?, serial: Int) {
        identity.withLock { ($0, serial.load(ordering: .acquiring)) }
    }
}
