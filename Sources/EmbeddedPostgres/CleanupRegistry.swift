import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Everything that must not outlive this process: running clusters and any extra cleanup hooks
/// (the demo registers its service). On SIGINT/SIGTERM, once installed, it cleans up and exits.
public final class CleanupRegistry: Sendable {
    public static let shared = CleanupRegistry()

    private struct State {
        var clusters: [ObjectIdentifier: EmbeddedCluster] = [:]
        var hooks: [Int: @Sendable () -> Void] = [:]
        var nextHook = 0
        var signalSources: [any DispatchSourceSignal] = []
        var interrupted = false
    }

    private let state = Mutex(State())

    func register(_ cluster: EmbeddedCluster) {
        state.withLock { $0.clusters[ObjectIdentifier(cluster)] = cluster }
    }

    func unregister(_ cluster: EmbeddedCluster) {
        _ = state.withLock { $0.clusters.removeValue(forKey: ObjectIdentifier(cluster)) }
    }

    /// Adds a hook run on SIGINT/SIGTERM before the clusters stop; returns a token for `remove(hook:)`.
    public func add(hook: @escaping @Sendable () -> Void) -> Int {
        state.withLock { s in
            s.nextHook += 1
            s.hooks[s.nextHook] = hook
            return s.nextHook
        }
    }

    public func remove(hook token: Int) {
        _ = state.withLock { $0.hooks.removeValue(forKey: token) }
    }

    /// Runs every hook and stops every registered cluster at once.
    public func cleanUpNow() {
        let (clusters, hooks) = state.withLock { s in
            let taken = (Array(s.clusters.values), Array(s.hooks.values))
            s.clusters.removeAll()
            s.hooks.removeAll()
            return taken
        }
        for hook in hooks { hook() }
        for cluster in clusters { cluster.stopImmediately() }
    }

    /// Installs SIGINT/SIGTERM handlers that clean up and then exit 130, "interrupted", for either signal (as every
    /// tuner command that is interrupted exits).
    /// Call once from an executable; libraries and tests rely on `withCluster` and the watchdog.
    /// True once a signal handler installed by `installSignalHandlers` has begun to clean up: the process is about
    /// to exit 130, and a failure the cleanup itself caused (a service stopped under a request) is not the error.
    public var isInterrupted: Bool { state.withLock { $0.interrupted } }

    public func installSignalHandlers(message: String? = nil) {
        state.withLock { s in
            guard s.signalSources.isEmpty else { return }
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { [self] in
                    state.withLock { $0.interrupted = true }
                    if let message { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                    cleanUpNow()
                    exit(130)
                }
                source.resume()
                s.signalSources.append(source)
            }
        }
    }
}
