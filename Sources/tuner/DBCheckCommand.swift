import ArgumentParser

struct DBCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Database doctor."
    )

    func run() async throws {
        throw RuntimeError("'tuner check' is not built yet (issue  every finding with evidence and a fix:4)")
    }
}
