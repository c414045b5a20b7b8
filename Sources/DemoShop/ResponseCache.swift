import NIOConcurrencyHelpers
import NIOCore

/// What the shop caches: encoded JSON bodies of product reads and reports.
enum CacheKey: Hashable, Sendable {
    case product(Int)
    case productPage(String)
    case report(String)
}

/// An in-process cache of encoded response bodies with a time to live.
///
/// Concurrent misses for one key share a single computation (a burst of requests for a cold report runs
/// the query once). `invalidate` removes entries at once, and a computation that was running while its
/// key was invalidated does not store its result, so no reader sees data older than the last write.
final class ResponseCache: Sendable {
    private enum Entry {
        case ready(ByteBuffer, expires: ContinuousClock.Instant)
        case loading(token: Int)
    }

    private struct State {
        var entries: [CacheKey: Entry] = [:]
        /// The callers waiting for each running computation, by its token.
        var waiters: [Int: [CheckedContinuation<ByteBuffer, any Error>]] = [:]
        var nextToken = 0
        var hits = 0
        var misses = 0
    }

    private let state = NIOLockedValueBox(State())
    let timeToLive: Duration
    /// Past this many entries, expired ones are dropped, then the older half if still too many.
    let capacity: Int

    /// The time entries expire by (the continuous clock; tests move it by hand).
    let now: @Sendable () -> ContinuousClock.Instant

    init(timeToLive: Duration, capacity: Int = 50_000,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.timeToLive = timeToLive
        self.capacity = capacity
        self.now = now
    }

    /// Hits (including callers that joined a running computation) and misses so far.
    var counts: (hits: Int, misses: Int) { state.withLockedValue { ($0.hits, $0.misses) } }

    /// The cached body for `key`, or `compute`'s result (stored unless `key` was invalidated meanwhile).
    func value(for key: CacheKey, compute: () async throws -> ByteBuffer) async throws -> ByteBuffer {
        while true {
            do {
                return try await lookUp(key, compute: compute)
            } catch is RetryLookup {
                continue
            }
        }
    }

    private func lookUp(_ key: CacheKey, compute: () async throws -> ByteBuffer) async throws -> ByteBuffer {
        enum Plan {
            case hit(ByteBuffer)
            case join(token: Int)
            case compute(token: Int)
        }
        let now = self.now()
        let plan: Plan = state.withLockedValue { state in
            switch state.entries[key] {
            case .ready(let body, let expires) where expires > now:
                state.hits += 1
                return .hit(body)
            case .loading(let token):
                state.hits += 1
                return .join(token: token)
            default:
                state.misses += 1
                state.nextToken += 1
                state.entries[key] = .loading(token: state.nextToken)
                state.waiters[state.nextToken] = []
                return .compute(token: state.nextToken)
            }
        }
        switch plan {
        case .hit(let body):
            return body
        case .join(let token):
            return try await withCheckedThrowingContinuation { continuation in
                let joined = state.withLockedValue { state -> Bool in
                    guard state.waiters[token] != nil else { return false }
                    state.waiters[token]!.append(continuation)
                    return true
                }
                // The computation finished between the two locks: look again.
                if !joined { continuation.resume(throwing: RetryLookup()) }
            }
        case .compute(let token):
            let result: Result<ByteBuffer, any Error>
            do {
                result = .success(try await compute())
            } catch {
                result = .failure(error)
            }
            let waiters = finish(key, token: token, result: result)
            for waiter in waiters { waiter.resume(with: result) }
            return try result.get()
        }
    }

    /// Removes the entries whose keys match. A computation running for one of them still answers the
    /// callers that were already waiting, but does not store its result; later callers compute afresh.
    func invalidate(where matches: (CacheKey) -> Bool) {
        state.withLockedValue { state in
            for key in state.entries.keys where matches(key) {
                state.entries[key] = nil
            }
        }
    }

    private func finish(_ key: CacheKey, token: Int, result: Result<ByteBuffer, any Error>)
        -> [CheckedContinuation<ByteBuffer, any Error>]
    {
        let now = self.now()
        return state.withLockedValue { state in
            let waiters = state.waiters.removeValue(forKey: token) ?? []
            guard case .loading(token) = state.entries[key] else { return waiters }
            if case .success(let body) = result {
                state.entries[key] = .ready(body, expires: now + timeToLive)
                if state.entries.count > capacity { Self.trim(&state, capacity: capacity, now: now) }
            } else {
                state.entries[key] = nil
            }
            return waiters
        }
    }

    private static func trim(_ state: inout State, capacity: Int, now: ContinuousClock.Instant) {
        state.entries = state.entries.filter { _, entry in
            if case .ready(_, let expires) = entry { return expires > now }
            return true
        }
        guard state.entries.count > capacity else { return }
        let ready = state.entries.compactMap { key, entry -> (CacheKey, ContinuousClock.Instant)? in
            if case .ready(_, let expires) = entry { return (key, expires) }
            return nil
        }.sorted { $0.1 < $1.1 }
        for (key, _) in ready.prefix(ready.count / 2) { state.entries[key] = nil }
    }
}

/// Tells a caller whose computation finished before it could join to look again.
private struct RetryLookup: Error {}
