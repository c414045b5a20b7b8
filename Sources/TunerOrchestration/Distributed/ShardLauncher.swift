import Foundation

/// What a distributed run's shards run: `tuner load TARGET ARGUMENTS --shard I/N --await-start …`, one per shard.
public struct ShardJob: Sendable {
    public var count: Int
    /// The scenario file or the URL the shards load.
    public var target: String
    /// The `tuner load` options every shard gets; each launcher adds the shard, the start barrier and `--quiet`.
    public var loadArguments: [String]

    public init(count: Int, target: String, loadArguments: [String]) {
        self.count = count
        self.target = target
        self.loadArguments = loadArguments
    }
}

/// Where a distributed run's shards run: processes on this machine (`LocalShardLauncher`), or the pods of a
/// Kubernetes Indexed Job (`KubectlShardLauncher`). `DistributedRun` drives either the same way: launch, wait until
/// every shard is ready, give all one start time, collect every shard's output, clean up.
public protocol ShardLauncher: Sendable {
    /// Starts every shard; each builds its plan and waits for the start time.
    func launch(_ job: ShardJob) async throws(WorkflowError)
    /// Returns when every shard answers ready; fails naming the shards that did not within `timeout`.
    func waitUntilReady(timeout: Duration) async throws(WorkflowError)
    /// Gives every shard the common start time.
    func start(at time: Date) async throws(WorkflowError)
    /// Waits (at most `timeout`) until every shard has ended and returns each one's output, in shard order.
    func collectOutputs(timeout: Duration) async throws(WorkflowError) -> [String]
    /// Stops what still runs and removes what was created; also after an error or an interruption.
    func cleanUp() async
}
