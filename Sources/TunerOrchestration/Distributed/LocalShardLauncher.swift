import EmbeddedPostgres
import Foundation
import Synchronization

/// Runs a distributed run's shards as processes on this machine (`tuner k8s run --launcher local`): the same barrier,
/// the same result lines and the same merge as on Kubernetes, on 127.0.0.1. Each shard's output is kept beside the
/// results (`shard-I.log`).
public final class LocalShardLauncher: ShardLauncher {
    private let executable: String
    private let directory: String
    private let shards = Mutex<[(process: ServiceProcess, address: String)]>([])
    /// The shards' barrier ports, held until every shard is ready.
    private let reservations = Mutex<[PortReservation]>([])

    /// `executable`: the `tuner` binary the shards run; `directory`: where their logs go.
    public init(executable: String, directory: String) {
        self.executable = executable
        self.directory = directory
    }

    public func launch(_ job: ShardJob) async throws(WorkflowError) {
        for index in 0..<job.count {
            // Held until the shard's start barrier listens on it: no other process can take it meanwhile.
            let reservation: PortReservation
            do { reservation = try FreePort.reserve() } catch { throw WorkflowError("no free port for shard \(index): \(error)") }
            reservations.withLock { $0.append(reservation) }
            let address = "127.0.0.1:\(reservation.port)"
            let arguments = [executable, "load", job.target] + job.loadArguments
                + ["--shard", "\(index)/\(job.count)", "--await-start", address, "--quiet"]
            let process = try ServiceProcess.start(
                command: "exec " + arguments.map(ServiceProcess.shellQuoted).joined(separator: " "), environment: [:],
                logDirectory: directory, logName: "shard-\(index).log")
            shards.withLock { $0.append((process, address)) }
        }
    }

    public func waitUntilReady(timeout: Duration) async throws(WorkflowError) {
        defer { reservations.withLock { $0.forEach { $0.release() } } }
        let deadline = ContinuousClock.now + timeout
        var waiting = Array(shards.withLock { $0 }.enumerated())
        while !waiting.isEmpty {
            var still: [(offset: Int, element: (process: ServiceProcess, address: String))] = []
            for shard in waiting {
                if await ShardStarter.isReady(shard.element.address) { continue }
                if shard.element.process.hasExited {
                    throw WorkflowError("shard \(shard.offset) ended before it was ready: \(shard.element.process.outputTail)")
                }
                still.append(shard)
            }
            waiting = still
            guard !waiting.isEmpty else { return }
            guard ContinuousClock.now < deadline else {
                throw WorkflowError("\(waiting.count) shards were not ready within \(timeout.shortDescription): "
                    + waiting.prefix(5).map { "shard \($0.offset)" }.joined(separator: ", "))
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    public func start(at time: Date) async throws(WorkflowError) {
        try await ShardStarter.start(at: time, addresses: shards.withLock { $0 }.map(\.address))
    }

    public func collectOutputs(timeout: Duration) async throws(WorkflowError) -> [String] {
        let all = shards.withLock { $0 }
        let deadline = ContinuousClock.now + timeout
        while all.contains(where: { !$0.process.hasExited }) {
            guard ContinuousClock.now < deadline else {
                throw WorkflowError("shards still running \(timeout.shortDescription) after their end: "
                    + all.enumerated().filter { !$0.element.process.hasExited }.prefix(5).map { "shard \($0.offset)" }
                        .joined(separator: ", "))
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return all.map { (try? String(contentsOfFile: $0.process.logPath, encoding: .utf8)) ?? "" }
    }

    public func cleanUp() async {
        for shard in shards.withLock({ $0 }) { await shard.process.stop(grace: .seconds(3)) }
    }
}
