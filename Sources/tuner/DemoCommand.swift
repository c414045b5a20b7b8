import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole tuning loop on a throwaway PostgreSQL and the bundled demo shop."
    )

    func run() async throws {
        throw RuntimeError("'tuner demo' is not built yet (issue 7)")
    }
}
