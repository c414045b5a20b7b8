import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad
import TunerOrchestration
import TunerPostgres
import TunerReport

struct K8sRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a load as N shards on one clock, observe the database, merge, and write the report.",
        discussion: """
            Applies the manifest with kubectl (its current context), waits until every pod is ready, gives all of \
            them one start time, observes the database from here when --db is given, reads every shard's result from \
            its log, merges them exactly, writes the report, and deletes the Job (also on Ctrl-C). --launcher local \
            runs the same shards as processes on this machine, through the same barrier and merge.

            Writes to --out: result.json (merged), shard-I.json (each shard's own), report.md, report.html, \
            junit.xml; with --launcher local, each shard's output in shard-I.log.

            Examples:
              tuner k8s run shop.yaml --shards 8 --image registry.example.com/tuner:1 --db "$DATABASE_URL" -- --rate 20000 --duration 5m
              tuner k8s run shop.yaml --shards 3 --launcher local -- --rate 300 --duration 30s

            Exit codes: 0, 1 a shard or the cluster failed (what was collected is still written), 64 bad input, \
            99 a threshold was crossed by the whole, 130 interrupted.
            """
    )

    enum Launcher: String, ExpressibleByArgument, CaseIterable { case kubectl, local }

    @OptionGroup var options: DistributedOptions

    @Option(help: "Where the shards run: kubectl (pods of an Indexed Job) or local (processes on this machine).")
    var launcher: Launcher = .kubectl

    @Option(help: "The database the service uses, observed from here during the run (a postgres:// URL).")
    var db: String?

    @Option(help: ArgumentHelp("Directory for the results and the report.", valueName: "DIR"))
    var out = "tuner-report"

    @Option(help: "How long the shards may take to be ready (pulling the image, scheduling).")
    var readyTimeout = "5m"

    @Option(help: "How far ahead of the moment every shard is ready the start is set (default 3s; 15s on kubectl, for the starter pod).")
    var startLead: String?

    @Option(help: "The kubectl binary.")
    var kubectl = "kubectl"

    @Flag(help: "Skip tuner db check's findings after the load (with --db).")
    var noCheck = false

    @Flag(help: "Skip the index advisor on the load's queries (with --db).")
    var noAdvise = false

    func run() async throws {
        let plan = try options.makePlan()
        let database = try db.map { url in try Self.usage(prefix: "--db: ") { try ConnectionSettings.resolve(option: url) } }
        let readyTimeout = try RequestOptions.duration(self.readyTimeout, option: "--ready-timeout")
        let lead = try startLead.map { try RequestOptions.duration($0, option: "--start-lead") }
            ?? (launcher == .local ? .seconds(3) : .seconds(15))
        do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw ToolError.runtime("cannot create \(out): \(error.localizedDescription)")
        }
        let shardLauncher: any ShardLauncher
        switch launcher {
        case .local:
            shardLauncher = LocalShardLauncher(executable: Self.executablePath, directory: out)
        case .kubectl:
            shardLauncher = KubectlShardLauncher(manifest: try options.manifest(of: plan), kubectl: kubectl) { Console.note($0) }
        }
        // The local shards load the scenario where it is; on Kubernetes the manifest carries it.
        var run = DistributedRun(
            plan: plan, job: ShardJob(count: options.shards, target: options.target, loadArguments: options.loadArguments),
            launcher: shardLauncher)
        run.database = database
        run.readyTimeout = readyTimeout
        run.startLead = lead
        run.checksDatabase = !noCheck
        run.advisesIndexes = !noAdvise
        run.say = { Console.note($0) }
        let outcome: DistributedRun.Outcome
        let interrupted: Bool
        do {
            (outcome, interrupted) = try await SignalCancellation.run { [run] in try await run.run() }
        } catch let error as WorkflowError {
            throw ToolError.runtime(error.description)
        } catch let error as LoadError {
            throw ToolError.runtime(error.description)
        }
        for (index, shard) in outcome.shards.enumerated() {
            do { try ResultFile.write(shard, to: "\(out)/shard-\(index).json") } catch { throw ToolError.runtime(error.description) }
        }
        let merged = outcome.merged
        LoadOutput(jsonPath: nil, quiet: true).printSummary(merged)
        if !merged.findings.isEmpty {
            let text = FindingsTextRenderer(maximumPerID: 3, omittedHint: "report.md lists them all")
                .render(merged.findings, title: "Findings (\(FindingsSummary(merged.findings).sentence))")
            Console.output(text + "\n")
        }
        try ReportOutput.write(PerformanceReport(result: merged), to: out)
        if interrupted { throw ToolError.interrupted }
        if let failure = merged.noResponseMessage { throw ToolError.runtime(failure) }
        if !merged.thresholdsPassed { throw ToolError.thresholdsCrossed }
    }

    /// This binary, for the local shards.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private static func usage<T>(prefix: String = "", _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ToolError { throw error } catch {
            throw ToolError.usage(prefix + "\(error)")
        }
    }
}
