import Synchronization

/// Runs an operation with a deadline that holds even when the operation ignores cancellation.
///
/// A database call can wait forever for an answer that never comes (a connection lost without a close,
/// a driver that drops a continuation when the server restarts). A task group would wait for such a
/// child too, so the operation runs in its own task and the caller resumes at the deadline whatever the
/// operation does; `onTimeout` then gets the chance to close what it was waiting on.
enum Deadline {
    struct Expired: Error {}

    static func run<T: Sendable>(
        within limit: Duration, onTimeout: @escaping @Sendable () -> Void = {},
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation)
                let work = Task {
                    do {
                        race.finish(.success(try await operation()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                let timer = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled, race.finish(.failure(Expired())) else { return }
                    work.cancel()
                    onTimeout()
                }
                race.hold(work: work, timer: timer)
            }
        } onCancel: {
            race.cancelWork()
        }
    }

    /// Whichever of the operation and the timer finishes first resumes the caller; the other is ignored.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var isFinished = false
            var work: Task<Void, Never>?
            var timer: Task<Void, Never>?
        }

        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        func hold(work: Task<Void, Never>, timer: Task<Void, Never>) {
            let isFinished = state.withLock { state in
                state.work = work
                state.timer = timer
                return state.isFinished
            }
            if isFinished { timer.cancel() }
        }

        /// Resumes the caller if nobody has yet; returns whether this call did.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (continuation, timer) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?) in
                guard !state.isFinished else { return (nil, nil) }
                state.isFinished = true
                defer { state.continuation = nil }
                return (state.continuation, state.timer)
            }
            guard let continuation else { return false }
            timer?.cancel()
            continuation.resume(with: result)
            return true
        }

        func cancelWork() {
            state.withLock { $0.work }?.cancel()
        }
    }
}
