import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerOrchestration
import TunerReport

/// `tuner coldstart`: time to ready and first-request latency, per setting.
struct ColdStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coldstart",
        abstract: "Time from a service's start to ready, and the latency of its first requests, per setting.",
        discussion: """
            Starts the service (--service, a shell command) --starts times for each setting (--param NAME=v1,v2: \
            NAME=value in its environment and {NAME} replaced in the command), measures from the start until \
            --ready answers, then sends --requests requests to URL one after another on a fresh client, as the \
            first user after a deploy would, and stops the service (its whole process group). Each figure is the \
            median of the starts. With two settings, it says how much faster the first request is with the \
            better one and what that costs in time to ready (pool pre-warming: SHOP_PREWARM=0,1).

            Example:
              tuner coldstart http://127.0.0.1:8080/products/1 --service "demo-shop --port 8080" \\
                --ready http://127.0.0.1:8080/health --param SHOP_PREWARM=0,1
            """
    )

    @Argument(help: "The URL the first requests go to.")
    var url: String

    @Option(help: ArgumentHelp("The shell command that starts the service; {NAME} is replaced by the setting's value.",
                               valueName: "COMMAND"))
    var service: String

    @Option(help: ArgumentHelp("A URL that answers once the service is ready.", valueName: "URL"))
    var ready: String

    @Option(help: ArgumentHelp("A setting and its values, NAME=v1,v2,… (repeatable: every combination is measured).",
                               valueName: "NAME=VALUES"))
    var param: [String] = []

    @Option(help: "Starts per setting (each figure is their median).")
    var starts = 3

    @Option(help: "Requests sent one after another once ready, per start.")
    var requests = 10

    @Option(help: "How long to wait for --ready (default 60s).")
    var readyTimeout = "60s"

    @Option(help: "Write the result (JSON) here ('-' for stdout).")
    var json: String?

    @Flag(help: "No status lines.")
    var quiet = false

    func validate() throws {
        for (name, text) in [("URL", url), ("--ready", ready)] {
            guard let parsed = URL(string: text), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ValidationError("\(name) must be an http:// URL, e.g. http://127.0.0.1:8080/health")
            }
        }
        if !(1...100).contains(starts) { throw ValidationError("--starts must be between 1 and 100") }
        if !(1...10_000).contains(requests) { throw ValidationError("--requests must be between 1 and 10000") }
    }

    func run() async throws {
        var workflow = ColdStartWorkflow(command: service, readyURL: URL(string: ready)!, targetURL: URL(string: url)!)
        do {
            workflow.parameters = try param.map { try SweepWorkflow.Parameter(parsing: $0) }
        } catch {
            throw ToolError.usage("\(error)")
        }
        workflow.starts = starts
        workflow.requests = requests
        workflow.readyTimeout = try CapacityOptions.duration(readyTimeout, option: "--ready-timeout")
        let quiet = self.quiet
        workflow.say = { line in if !quiet { Console.note(line) } }
        let measuring = workflow
        // Refused before anything starts: what answers now is not the service, and would be measured as it.
        do {
            try await ServiceProcess.refuseIfAnswering(URL(string: ready)!)
        } catch {
            throw ToolError.runtime(error.description)
        }
        let (result, interrupted) = try await SignalCancellation.run { await measuring.run() }
        if let json { try JSONOutput.write(result, to: json) }
        if json != "-" { print(ColdStartText.render(result), terminator: "") }
        if interrupted { throw ToolError.interrupted }
        if let failed = result.variants.first(where: { $0.failure != nil }), result.variants.allSatisfy({ $0.starts.isEmpty }) {
            throw ToolError.runtime("no start could be measured: \(failed.failure ?? "")")
        }
    }
}
