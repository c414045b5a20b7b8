import ArgumentParser

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Markdown, HTML and JUnit reports from a result JSON."
    )

    func run() async throws {
        throw RuntimeError("'tuner report' is not built yet (issue 6)")
    }
}
