import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// Threshold names, defaults and overrides as users write them.
struct DoctorThresholdTests {
    @Test func overridesAreReadInTheThresholdsUnit() throws {
        var thresholds = DoctorThresholds()
        try thresholds.set(assignment: "idle-in-transaction=5m")
        try thresholds.set(assignment: "cache-hit-ratio=99%")
        try thresholds.set(assignment: "seq-scan-share=0.7")
        try thresholds.set(assignment: "unused-index-warning-size=10MB")
        try thresholds.set(assignment: "top-queries=3")
        #expect(thresholds[DoctorThresholds.idleInTransaction] == 300)
        #expect(thresholds[DoctorThresholds.cacheHitRatio] == 0.99)
        #expect(thresholds[DoctorThresholds.seqScanShare] == 0.7)
        #expect(thresholds[DoctorThresholds.unusedIndexWarningSize] == 10 * 1024 * 1024)
        #expect(thresholds[DoctorThresholds.topQueries] == 3)
        #expect(thresholds[DoctorThresholds.longRunningQuery] == 60, "untouched thresholds keep their default")
        #expect(thresholds.overridden["idle-in-transaction"] == "5m")
        #expect(thresholds.overridden["cache-hit-ratio"] == "99%")
    }

    @Test(arguments: ["nonsense=1", "idle-in-transaction", "idle-in-transaction=soon", "cache-hit-ratio=-5%",
                      "unused-index-warning-size=big"])
    func badOverridesSayWhatIsAccepted(_ assignment: String) {
        var thresholds = DoctorThresholds()
        #expect(throws: ParseError.self) { try thresholds.set(assignment: assignment) }
    }

    @Test func everyThresholdIsNamedOnceAndDocumented() {
        let names = DoctorThresholds.all.map(\.name)
        #expect(Set(names).count == names.count)
        for definition in DoctorThresholds.all {
            #expect(!definition.summary.isEmpty)
            #expect(DoctorThresholds.helpText.contains("\(definition.name)=\(definition.defaultText):"))
        }
        #expect(DoctorThresholds.idleInTransaction.defaultText == "30s")
        #expect(DoctorThresholds.tempSpillSize.defaultText == "8MB")
        #expect(DoctorThresholds.connectionsWarning.defaultText == "80%")
    }

    @Test func docsListEveryThresholdWithItsDefault() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/doctor.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for definition in DoctorThresholds.all {
            #expect(text.contains("| `\(definition.name)` | `\(definition.defaultText)` |"),
                    "docs/doctor.md should list \(definition.name) = \(definition.defaultText)")
        }
    }
}
