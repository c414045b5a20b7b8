import ArgumentParser

struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "A throwaway PostgreSQL cluster for local use and tests.",
        subcommands: []
    )
}
