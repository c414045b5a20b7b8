import ArgumentParser

@main
struct DemoShopMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-shop",
        abstract: "The demo shop service (Hummingbird + PostgresNIO) that Tuner tunes."
    )

    func run() async throws {
        print("demo-shop is not built yet (issue 3)")
        throw ExitCode(1)
    }
}
