import ArgumentParser

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Prometheus alerting rules from a scenario's thresholds."
    )

    func run() async throws {
        throw RuntimeError("'tuner alerts' is not built yet (issue 6)")
    }
}
