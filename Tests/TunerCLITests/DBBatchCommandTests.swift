import Foundation
import Testing
import TunerTestSupport

/// `tuner db batch`'s refusals before it connects (its measurements are tested in TunerPostgresTests).
struct DBBatchCommandTests {
    @Test func itWritesOnlyWithApplyAndTakesSensibleSizes() async throws {
        let noApply = try await LoadBinaryRunner.run(["db", "batch", "orders", "--db", "postgres://x@127.0.0.1:9/x"])
        #expect(noApply.status == 64)
        #expect(noApply.stderr.contains("pass --apply"), "\(noApply.stderr)")
        let badSizes = try await LoadBinaryRunner.run(["db", "batch", "orders", "--db", "postgres://x@127.0.0.1:9/x", "--sizes", "10,zero", "--apply"])
        #expect(badSizes.status == 64)
        #expect(badSizes.stderr.contains("--sizes"), "\(badSizes.stderr)")
    }
}
