import Foundation
import Synchronization
import TunerCore
import TunerLoad
import TunerPostgres

/// `tuner k8s run`: one plan run by N shards on one clock, merged into one exact result.
///
/// The launcher starts the shards (pods, or processes with `--launcher local`); once every one is ready, all are given
/// one start time a little ahead (the barrier: a shard that became ready late still starts on time). With a database,
/// it is observed from here over the same window, as `tuner run` does, and the run's findings come from the merged
/// load. Every shard's result is read from its output, the results are merged exactly (`ResultMerger`: histograms
/// bucket by bucket, series on the common clock) and the thresholds are judged once, on the whole.
public struct DistributedRun: Sendable {
    /// The whole plan, built here from the same scenario and options (checked before anything is launched).
    public var plan: LoadPlan
    public var job: ShardJob
    public var launcher: any ShardLauncher
    /// The database the service uses, observed from here during the run (read-only).
    public var database: ConnectionSettings?
    /// How long the shards may take to become ready (pulling an image, scheduling pods).
    public var readyTimeout: Duration = .seconds(300)
    /// How far ahead of the moment every shard is ready the common start is set (time for the start to reach them).
    public var startLead: Duration = .seconds(3)
    public var checksDatabase = true
    public var advisesIndexes = true
    public var say: @Sendable (String) -> Void = { _ in }

    public init(plan: LoadPlan, job: ShardJob, launcher: any ShardLauncher) {
        self.plan = plan
        self.job = job
        self.launcher = launcher
    }

    /// What the run produced: the merged result and every shard's own, in shard order.
    public struct Outcome: Sendable {
        public var merged: LoadResult
        public var shards: [LoadResult]
    }

    public func run() async throws -> Outcome {
        do {
            let outcome = try await runLaunched()
            await launcher.cleanUp()
            return outcome
        } catch {
            await launcher.cleanUp()
            throw error
        }
    }

    private func runLaunched() async throws -> Outcome {
        try await launcher.launch(job)
        say("\(job.count) shards launched; waiting until every one is ready")
        try await launcher.waitUntilReady(timeout: readyTimeout)
        let startAt = Date().addingTimeInterval(startLead.seconds)
        try await launcher.start(at: startAt)
        say("every shard ready: the run starts at \(ISO8601DateFormatter().string(from: startAt)) and lasts \(plan.totalDuration.shortDescription)")
        let shards = ShardResults()
        let launcher = self.launcher
        let collectBy = startLead + plan.totalDuration + plan.scenario.requestTimeout + .seconds(120)
        let job = self.job
        let collect: @Sendable () async throws -> LoadResult = {
            let outputs = try await launcher.collectOutputs(timeout: collectBy)
            let results = try Self.results(in: outputs, count: job.count)
            shards.set(results)
            do {
                return try ResultMerger.merge(results, sources: (0..<job.count).map { "shard \($0)" })
            } catch {
                throw WorkflowError("the shards' results cannot be merged: \(error)")
            }
        }
        let merged: LoadResult
        if let database {
            var workflow = RunWorkflow(plan: plan, database: database)
            workflow.checksDatabase = checksDatabase
            workflow.advisesIndexes = advisesIndexes
            workflow.say = say
            workflow.runLoad = collect
            workflow.startsAt = startAt
            merged = try await workflow.run()
        } else {
            merged = try await collect()
        }
        return Outcome(merged: merged, shards: shards.get())
    }

    /// Each shard's result from its output; a shard without one is an error with the end of what it printed.
    static func results(in outputs: [String], count: Int) throws(WorkflowError) -> [LoadResult] {
        var results: [LoadResult] = []
        for (index, output) in outputs.enumerated() {
            let result: LoadResult?
            do {
                result = try ResultFile.decodeLine(in: output, source: "shard \(index)")
            } catch {
                throw WorkflowError(error.description)
            }
            guard let result else {
                let tail = output.split(separator: "\n").filter { !$0.hasPrefix(ResultFile.linePrefix) }.suffix(2)
                throw WorkflowError("shard \(index) printed no result: \(tail.isEmpty ? "no output" : tail.joined(separator: " | "))")
            }
            results.append(result)
        }
        guard results.count == count else { throw WorkflowError("\(count - results.count) shards' outputs are missing") }
        return results
    }
}

/// The shards' own results, set by the collection inside the observed load.
private final class ShardResults: Sendable {
    private let value = Mutex<[LoadResult]>([])
    func set(_ results: [LoadResult]) { value.withLock { $0 = results } }
    func get() -> [LoadResult] { value.withLock { $0 } }
}
