import ArgumentParser

/// `tuner k8s`: a load too big for one machine, as the shards of a Kubernetes Indexed Job.
struct K8sCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Run one load plan as many shards on Kubernetes (or locally), on one clock, merged exactly.",
        discussion: """
            Every shard runs 'tuner load' with its exact share of the plan (every N-th request of the schedule, \
            1/N of the connections). The shards wait at a barrier until every one is ready, then all start at one \
            time; their results are merged bucket by bucket and the thresholds are judged once, on the whole. \
            See docs/distributed.md (the image, RBAC, what is exact and what is not).
            """,
        subcommands: [K8sManifestCommand.self, K8sRunCommand.self, K8sStartCommand.self]
    )
}
