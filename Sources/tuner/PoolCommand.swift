import ArgumentParser

struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Connection-pool and worker sizing, PgBouncer config."
    )

    func run() async throws {
        throw RuntimeError("'tuner pool' is not built yet (issue 5)")
    }
}
