import ArgumentParser

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load-test a URL or a scenario file."
    )

    func run() async throws {
        throw RuntimeError("'tuner load' is not built yet (issue 2)")
    }
}
