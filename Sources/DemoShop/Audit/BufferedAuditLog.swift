import DemoShopData
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The tuned audit log: requests only append to a buffer; a service writes the buffer in one INSERT
/// when `sizeLimit` rows are waiting or every `flushInterval` (`BUFFER_SIZE_LIMIT`, `BUFFER_FLUSH_INTERVAL`),
/// and writes whatever is left when the shop shuts down.
///
/// Run it in the service group before the HTTP server: shutdown goes in reverse order, so the server
/// has finished its in-flight requests (and their appends) by the time the buffer makes its last flush.
final class BufferedAuditLog: AuditLog, Service {
    private let database: ShopDatabase
    private let sizeLimit: Int
    private let flushInterval: Duration
    private let logger: Logger
    /// Called with each written row's wait: from its request until its batch committed.
    private let durableAfter: @Sendable (Duration) -> Void
    private let state = NIOLockedValueBox(State())
    private let wakeUps: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    private struct State {
        var pending: [AuditEntry] = []
        var written = 0
        var flushes = 0
    }

    init(database: ShopDatabase, sizeLimit: Int, flushInterval: Duration, logger: Logger,
         durableAfter: @escaping @Sendable (Duration) -> Void = { _ in }) {
        self.database = database
        self.durableAfter = durableAfter
        self.sizeLimit = sizeLimit
        self.flushInterval = flushInterval
        self.logger = logger
        (wakeUps, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Rows waiting, rows written and flushes done so far.
    var counts: (pending: Int, written: Int, flushes: Int) {
        state.withLockedValue { ($0.pending.count, $0.written, $0.flushes) }
    }

    func record(_ entry: AuditEntry, on connection: PostgresConnection) async throws {
        let waiting = state.withLockedValue { state in
            state.pending.append(entry)
            return state.pending.count
        }
        if waiting >= sizeLimit { wake.yield() }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [wake, flushInterval] in
                    while (try? await Task.sleep(for: flushInterval)) != nil { wake.yield() }
                }
                for await _ in wakeUps { await flush() }
                group.cancelAll()
            }
        } onGracefulShutdown: { [wake] in
            wake.finish()
        }
        // The last flush: a few attempts, since nothing will come back for these rows.
        for _ in 0..<3 where counts.pending > 0 { await flush() }
        let left = counts.pending
        if left > 0 { logger.error("audit log: \(left) rows could not be written before shutdown") }
    }

    /// Writes every waiting row; on failure they stay in the buffer for the next attempt.
    func flush() async {
        let batch: [AuditEntry] = state.withLockedValue { state in
            defer { state.pending = [] }
            return state.pending
        }
        guard !batch.isEmpty else { return }
        do {
            try await database.withConnection { connection in
                try await AuditEntry.insert(batch, on: connection, logger: logger)
            }
            state.withLockedValue {
                $0.written += batch.count
                $0.flushes += 1
            }
            let committed = Date()
            for entry in batch { durableAfter(.seconds(max(0, committed.timeIntervalSince(entry.at)))) }
        } catch {
            state.withLockedValue { $0.pending.insert(contentsOf: batch, at: 0) }
            logger.warning("audit log: flushing \(batch.count) rows failed, will retry: \(describeDatabaseError(error))")
        }
    }
}
