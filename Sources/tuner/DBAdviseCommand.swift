import ArgumentParser

struct DBAdviseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advise",
        abstract: "Index advisor."
    )

    func run() async throws {
        throw RuntimeError("'tuner advise' is not built yet (issue  hypothetical indexes tried against the workload:8)")
    }
}
