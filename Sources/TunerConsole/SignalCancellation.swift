import Foundation

/// Runs an operation and cancels it on Ctrl-C (SIGINT) or SIGTERM, so that it can stop and
/// return what it has; a second signal ends the process at once, and so does the first one when the
/// operation has not stopped within `gracePeriod` (whatever it waits for, the process ends).
/// Exit code after an interruption: 130, as shells report a process ended by Ctrl-C.
public enum SignalCancellation {
    /// How long an interrupted operation may take to write what it measured.
    public static let gracePeriod: TimeInterval = 10

    public static func run<T: Sendable>(
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> (value: T, interrupted: Bool) {
        let signals = AsyncStream<Int32> { continuation in
            let sources = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    signal(number, SIG_DFL)
                    continuation.yield(number)
                }
                source.resume()
                return source
            }
            let held = HeldSources(sources)
            continuation.onTermination = { _ in held.cancel() }
        }
        defer {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                for await _ in signals {
                    Console.write("\ninterrupted — stopping and keeping what was measured\n")
                    DispatchQueue.global().asyncAfter(deadline: .now() + gracePeriod) {
                        Console.note("did not stop within \(Int(gracePeriod)) s of the interruption — exiting now")
                        exit(130)
                    }
                    return nil
                }
                return nil
            }
            var interrupted = false
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return (value, interrupted)
                }
                interrupted = true
                group.cancelAll()  // the signal arrived: the operation stops and returns its partial result
            }
            throw CancellationError()
        }
    }
}

/// Keeps the signal sources alive until the stream ends.
private final class HeldSources: @unchecked Sendable {
    // @unchecked: the array is never mutated; DispatchSource.cancel() is thread-safe.
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { for source in sources { source.cancel() } }
}
