import ArgumentParser

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Load test and database observation in one run, then the report."
    )

    func run() async throws {
        throw RuntimeError("'tuner run' is not built yet (issue 6)")
    }
}
