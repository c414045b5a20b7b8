import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerLoad

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard results exactly.",
        discussion: """
            Shards are load tests that ran side by side (for instance one 'tuner load --shard I/N' per machine). \
            Their histograms are added bucket by bucket, so merged percentiles are exact; counts and rates are \
            summed; per-second series are added second by second on the common clock (--start-at); the database \
            section is kept from the one result that observed the database; and every threshold the shards carry \
            (plus --threshold) is judged once, on the merged result.

            Results written with --shard must be one whole: the same plan (scenario and options), the same number \
            of shards and start time, every shard once.
            Exit codes: 0, 64 unreadable input or shards that are not one whole, 99 a threshold was crossed.
            """
    )

    @Argument(help: "Result files written by 'tuner load --json'.")
    var results: [String]

    @Option(help: "Write the merged result here ('-' for stdout; the summary then goes to stderr).")
    var json: String?

    @Option(help: "An extra check on the merged result, e.g. 'p99 < 250ms' (repeatable).")
    var threshold: [String] = []

    func validate() throws {
        if results.isEmpty { throw ValidationError("give at least one result file") }
    }

    func run() async throws {
        let merged: LoadResult
        do {
            let thresholds = try threshold.map { try Threshold(parsingScoped: $0) }
            var inputs: [LoadResult] = []
            for path in results { inputs.append(try ResultFile.read(path)) }
            merged = try ResultMerger.merge(inputs, thresholds: thresholds, sources: results)
        } catch {
            throw ToolError.usage("\(error)")
        }
        let output = LoadOutput(jsonPath: json, quiet: true)
        try output.write(merged)
        output.printSummary(merged)
        if !merged.thresholdsPassed { throw ToolError.thresholdsCrossed }
    }
}
