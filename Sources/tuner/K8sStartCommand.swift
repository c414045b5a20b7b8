import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerOrchestration

struct K8sStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Give waiting shards their common start time (what the starter pod runs inside the cluster).",
        discussion: "Posts TIME to http://ADDRESS/start of every shard; exit 1 names the shards that did not take it."
    )

    @Option(help: ArgumentHelp("The common start: Unix seconds or RFC 3339.", valueName: "time"))
    var at: String

    @Argument(help: ArgumentHelp("Every shard's start barrier.", valueName: "host:port"))
    var addresses: [String]

    func run() async throws {
        let time: Date
        do { time = try StartTime.parse(at) } catch { throw ToolError.usage("--at: \(error)") }
        do {
            try await ShardStarter.start(at: time, addresses: addresses)
        } catch {
            throw ToolError.runtime(error.description)
        }
        Console.note("\(addresses.count) shards start at \(ISO8601DateFormatter().string(from: time))")
    }
}
