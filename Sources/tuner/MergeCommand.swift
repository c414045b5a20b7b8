import ArgumentParser

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard results exactly."
    )

    func run() async throws {
        throw RuntimeError("'tuner merge' is not built yet (issue 2)")
    }
}
