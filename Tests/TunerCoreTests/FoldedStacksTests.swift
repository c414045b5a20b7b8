import Testing
@testable import TunerCore

/// Folded stacks, the one form of every profile: read and written as flamegraph.pl does, the frames' own and
/// inclusive shares, and the place to act in the service's own code.
struct FoldedStacksTests {
    static let text = """
        main;handle;checksum;sha256.block 60
        main;handle;checksum 10
        main;handle;encode;json.Marshal 20
        main;handle;encode;json.Marshal 5
        runtime.gc 5
        """

    @Test func theTextFormReadsAndWritesBack() throws {
        let stacks = try FoldedStacks(parsing: Self.text)
        #expect(stacks.stacks.count == 4 && stacks.total == 100, "identical stacks add up")
        #expect(stacks.text == "main;handle;checksum;sha256.block 60\nmain;handle;encode;json.Marshal 25\nmain;handle;checksum 10\nruntime.gc 5\n")
        #expect(try FoldedStacks(parsing: stacks.text).text == stacks.text)
        #expect(throws: ParseError.self) { try FoldedStacks(parsing: "main;handle\n") }
        #expect(try FoldedStacks(parsing: "main;handle 2\n  1\n").stacks.last?.frames == ["[no frames]"], "a sample without a stack")
        #expect(throws: ParseError.self) { try FoldedStacks(parsing: "main;handle -3\n") }
    }

    @Test func ownAndInclusiveShares() throws {
        let functions = try FoldedStacks(parsing: Self.text).functions()
        let byName = Dictionary(uniqueKeysWithValues: functions.map { ($0.name, $0) })
        #expect(byName["sha256.block"]?.flat == 0.6 && byName["sha256.block"]?.cumulative == 0.6)
        #expect(byName["checksum"]?.flat == 0.1 && byName["checksum"]?.cumulative == 0.7)
        #expect(byName["main"]?.flat == 0 && byName["main"]?.cumulative == 0.95)
        #expect(functions.first?.name == "sha256.block", "largest own share first")
    }

    /// The innermost own frame of each stack: `checksum` (70: its own 10 and the library's 60 under it), not the
    /// library function with the largest own share; what it calls most is named with its share.
    @Test func thePlaceToActIsTheInnermostOwnFrame() throws {
        let stacks = try FoldedStacks(parsing: Self.text)
        let own: Set = ["main", "handle", "checksum", "encode"]
        let place = try #require(stacks.placeToAct { own.contains($0) })
        #expect(place.name == "checksum" && abs(place.share - 0.7) < 1e-9 && place.calls == "sha256.block" && place.callShare == 0.6)
        #expect(stacks.placeToAct { _ in false } == nil)
    }

    @Test func trimmingKeepsTheHeaviestAndTheWhole() throws {
        let trimmed = try FoldedStacks(parsing: Self.text).trimmed(to: 2)
        #expect(trimmed.stacks.count == 3 && trimmed.total == 100)
        #expect(trimmed.stacks.last?.frames == ["[other stacks]"] && trimmed.stacks.last?.weight == 15)
    }
}
