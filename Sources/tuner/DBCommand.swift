import ArgumentParser

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Examine and tune the database: doctor, configuration, index advice.",
        subcommands: [DBCheckCommand.self, DBConfigCommand.self, DBAdviseCommand.self, DBBatchCommand.self]
    )
}
