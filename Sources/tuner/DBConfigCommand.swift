import ArgumentParser

struct DBConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "pgtune-equivalent postgresql.conf, and a diff against a live server."
    )

    func run() async throws {
        throw RuntimeError("'tuner config' is not built yet (issue 5)")
    }
}
