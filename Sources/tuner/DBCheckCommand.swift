import ArgumentParser

struct DBCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Database doctor: every finding with evidence and the SQL or setting that fixes it."
    )

    func run() async throws {
        throw RuntimeError("'tuner db check' is not built yet (issue 4)")
    }
}
