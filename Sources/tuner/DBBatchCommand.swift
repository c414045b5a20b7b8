import ArgumentParser
import Foundation
import TunerConsole
import TunerCore
import TunerPostgres
import TunerReport

/// `tuner db batch`: batch INSERT/UPSERT time, rows/s and WAL per row by batch size, and the size to use.
struct DBBatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Batch write speed by batch size: ms per batch, rows/s, WAL bytes per row, the size to use.",
        discussion: """
            Generates rows that fit TABLE's columns and constraints (row numbers for unique keys, foreign keys \
            drawn from the referenced rows) and writes them, --sizes rows per statement, into a copy of the table \
            (LIKE … INCLUDING ALL, with its foreign keys) created inside a transaction that is rolled back at the \
            end: the real table is never written and nothing remains. With --upsert each batch conflicts on the \
            primary key (INSERT … ON CONFLICT DO UPDATE). It writes, so it needs --apply. While it runs, the rows \
            the foreign keys reference are share-locked (as any insert would).

            The knee is the smallest size within 10% of the best rows/s: the batch size to use.

            Example:
              tuner db batch orders --db postgres://shop@127.0.0.1:5432/shop --sizes 1,10,100,1000 --apply
            """
    )

    @Argument(help: "The table (schema.table or table).")
    var table: String

    @Option(help: "Database URL (postgres://user@host:5432/db); else DATABASE_URL, else PG* variables.")
    var db: String?

    @Option(help: ArgumentHelp("Batch sizes to measure, comma-separated.", valueName: "N,N,…"))
    var sizes = "1,10,100,1000,10000"

    @Flag(help: "Measure INSERT … ON CONFLICT (primary key) DO UPDATE instead of a plain INSERT.")
    var upsert = false

    @Flag(help: "Allow the writes (into the rolled-back copy only).")
    var apply = false

    @Option(help: "Write the result (JSON) here ('-' for stdout).")
    var json: String?

    func validate() throws {
        _ = try parsedSizes()
        if !apply {
            throw ValidationError("tuner db batch writes (into a copy of the table, in a transaction it rolls back): pass --apply to allow it")
        }
    }

    func parsedSizes() throws -> [Int] {
        let sizes = self.sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 100_000 }) else {
            throw ValidationError("--sizes: '\(self.sizes)' must be whole numbers from 1 to 100000, comma-separated")
        }
        return sizes.compactMap { $0 }
    }

    func run() async throws {
        let settings: ConnectionSettings
        do {
            settings = try ConnectionSettings.resolve(option: db)
        } catch {
            throw ValidationError(error.description)
        }
        var benchmark = BatchBenchmark(table: table, sizes: try parsedSizes(), upsert: upsert)
        benchmark.progress = { Console.note("  \($0)") }
        let result: BatchResult
        do {
            result = try await DatabaseSession.withSession(settings, options: .init(allowsWrites: true)) { session in
                try await benchmark.run(session)
            }
        } catch let error as DatabaseError {
            throw ToolError.runtime(error.description)
        }
        if let json { try JSONOutput.write(result, to: json) }
        if json != "-" { print(BatchText.render(result), terminator: "") }
    }
}
