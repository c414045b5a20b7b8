import Foundation
import Testing
import TunerCore
@testable import TunerReport

@Suite struct ReportFilesTests {
    @Test func writesTheFourFilesAndAReadableResult() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tuner-report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = SampleResult.make(.before, seconds: 10, rate: 60)
        let files = try PerformanceReport(result: result).write(to: directory + "/nested")
        for path in [files.markdown, files.html, files.junit] {
            #expect(FileManager.default.fileExists(atPath: path))
        }
        let json = try #require(files.result)
        let back = try ResultFile.read(json)
        #expect(back.overall.count == result.overall.count)
        #expect(back.database?.indexes.count == result.database?.indexes.count)
        #expect(back.database?.pool.count == result.database?.pool.count)
        #expect(back.database?.queries.first?.stddevMilliseconds == result.database?.queries.first?.stddevMilliseconds)
    }

    @Test func aDatabaseRunWrittenBeforeTheNewFieldsStillReads() throws {
        let old = #"{"queries":[{"queryID":"1","query":"SELECT 1","calls":3,"totalMilliseconds":1.5,"meanMilliseconds":0.5,"rows":3,"sharedBlocksHit":0,"sharedBlocksRead":0,"tempBlocksWritten":0}]}"#
        let run = try JSONDecoder().decode(DatabaseRun.self, from: Data(old.utf8))
        #expect(run.queries.count == 1)
        #expect(run.indexes.isEmpty && run.tables.isEmpty && run.connections.isEmpty && run.pool.isEmpty)
        #expect(run.cacheHitRatio == nil && run.maxConnections == nil)
        #expect(run.queries[0].stddevMilliseconds == nil)
    }

    @Test func anUnwritableDirectoryIsAClearError() {
        #expect(throws: ReportError.self) {
            try PerformanceReport(result: SampleResult.make(.after, seconds: 2, rate: 5, withDatabase: false))
                .write(to: "/proc/tuner-cannot-write-here")
        }
    }
}
