import EmbeddedPostgres
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TunerCore
import TunerLoad
import TunerPostgres
import TunerReport
import TunerTestSupport
@testable import TunerOrchestration

/// pprof profiles: Tuner's reading of a profile a real Go program wrote (`Fixtures/pprof/`, with how it was made),
/// checked against Go's own `go tool pprof -top` of the same file; and `tuner run --pprof` taking one from a
/// service during the steady part of its load.
@Suite(.serialized, .suiteCluster) struct ProfileTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pprof")

    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    /// `go tool pprof -top` lines: flat%, cum% by function name (without Go's ` (inline)` mark).
    static func goTop(_ name: String) throws -> [(name: String, flat: Double, cumulative: Double)] {
        let text = String(decoding: try fixture(name), as: UTF8.self)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1].hasSuffix("%"), fields[4].hasSuffix("%"),
                  let flat = Double(fields[1].dropLast()), let cumulative = Double(fields[4].dropLast())
            else { return nil }
            let name = fields[5...].joined(separator: " ").replacingOccurrences(of: " (inline)", with: "")
            return (name, flat, cumulative)
        }
    }

    /// The hot spot is a standard-library function (`crypto/sha256.block`, 59% own) that nobody can change; the place to
    /// act is the program's own function that calls it: `main.checksum`, whose share with its callees Go prints as 74.20%
    /// (`top-cum.txt`), on its own line of main.go. The finding names it, with the library function it spends it in; the
    /// folded stacks add up to the profile's total and read back.
    @Test func theProgramsOwnFunctionIsThePlaceToAct() throws {
        let profile = try PprofDecoder.decode([UInt8](try Self.fixture("cpu.pprof")), source: "fixture")
        let place = try #require(profile.placeToAct)
        let go = try #require(try Self.goTop("top-cum.txt").first { $0.name == "main.checksum" })
        #expect(place.name == "main.checksum" && abs(place.share * 100 - go.cumulative) < 0.006, "\(place) against Go's \(go.cumulative)%")
        #expect(place.calls?.hasPrefix("crypto/sha256.") == true && place.location?.contains("main.go:") == true, "\(place)")
        let finding = try #require(ProfileCollector.findings(profile).first)
        #expect(finding.object == "main.checksum" && finding.title.contains("crypto/sha256."), "\(finding.title)")
        #expect(finding.fix?.hasPrefix("Start at ") == true && finding.fix?.contains("main.go:") == true, "\(finding.fix ?? "")")
        let stacks = try #require(profile.stacks)
        #expect(abs(stacks.total - profile.total) < 1e-6 * profile.total)
        #expect(try FoldedStacks(parsing: stacks.text).text == stacks.text)
    }

    /// The service's own Go code: its main package and its module's packages, not the standard library, the runtime or a
    /// dependency from the module cache or Debian's gocode tree.
    @Test func goStandardLibraryAndDependenciesAreNotTheServicesOwn() {
        #expect(PprofDecoder.isOwnGoCode(function: "main.checksum", file: "/src/svc/main.go"))
        #expect(PprofDecoder.isOwnGoCode(function: "main.(*server).handle.func1", file: ""))
        #expect(PprofDecoder.isOwnGoCode(function: "example.com/shop/orders.(*Store).List", file: "/src/shop/orders/store.go"))
        #expect(!PprofDecoder.isOwnGoCode(function: "crypto/sha256.block", file: "/usr/lib/go-1.19/src/crypto/sha256/sha256block_amd64.s"))
        #expect(!PprofDecoder.isOwnGoCode(function: "runtime.mallocgc", file: "/usr/lib/go-1.19/src/runtime/malloc.go"))
        #expect(!PprofDecoder.isOwnGoCode(function: "github.com/lib/pq.(*conn).recv", file: "/root/go/pkg/mod/github.com/lib/pq@v1.10.7/conn.go"))
        #expect(!PprofDecoder.isOwnGoCode(function: "github.com/lib/pq.(*conn).recv", file: "/usr/share/gocode/src/github.com/lib/pq/conn.go"))
    }

    @Test func aGoProfileReadsAsGoReadsIt() throws {
        let profile = try PprofDecoder.decode([UInt8](try Self.fixture("cpu.pprof")), source: "fixture")
        let flat = try Self.goTop("top-flat.txt")
        let cumulative = try Self.goTop("top-cum.txt")
        #expect(flat.count >= 10 && cumulative.count >= 10)
        // Go: "Duration: 5.13s, Total samples = 8.76s".
        #expect(profile.measure == "cpu nanoseconds")
        #expect(abs((profile.cpuSeconds ?? 0) - 8.76) < 0.006, "\(profile.cpuSeconds ?? 0)")
        #expect(abs(profile.seconds - 5.13) < 0.006, "\(profile.seconds)")
        // The hot spot is Go's first line, and every function Tuner kept has Go's shares (2 decimals in Go's print).
        #expect(profile.top?.name == flat[0].name, "\(profile.top?.name ?? "none") against \(flat[0].name)")
        for go in flat.prefix(8) {
            let kept = profile.functions.first { $0.name == go.name }
            #expect(kept != nil, "\(go.name) is among Go's largest flat shares")
        }
        for go in flat + cumulative {
            guard let mine = profile.functions.first(where: { $0.name == go.name }) else { continue }
            #expect(abs(mine.flat * 100 - go.flat) < 0.006, "\(go.name): flat \(mine.flat * 100)% against Go's \(go.flat)%")
            #expect(abs(mine.cumulative * 100 - go.cumulative) < 0.006,
                    "\(go.name): cum \(mine.cumulative * 100)% against Go's \(go.cumulative)%")
        }
        // What the guide reads: main.checksum (74%) and encoding/json (json.Marshal, 10.5%), by the program's construction.
        let checksum = try #require(profile.functions.first { $0.name == "main.checksum" })
        #expect(checksum.location?.hasPrefix("/tmp/pprofgo/main.go:") == true || checksum.location?.contains("main.go:") == true,
                "\(checksum.location ?? "no location")")
        #expect(abs(profile.cumulativeShare(ofPackage: "encoding/json") * 100 - 10.5) < 0.01)
    }

    /// Go's "Total samples = 1.37s" or "= 2.68GB" in a `go tool pprof -top` header, in seconds or bytes (pprof's GB is
    /// 2^30 bytes).
    static func goTotal(_ name: String) throws -> Double {
        let text = String(decoding: try fixture(name), as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.contains("Total samples = ") })
        let value = String(line.components(separatedBy: "Total samples = ")[1].split(separator: " ")[0])
        let units: [(String, Double)] = [("GB", 1_073_741_824), ("MB", 1_048_576), ("kB", 1024), ("ms", 1e-3), ("s", 1), ("B", 1)]
        let (suffix, scale) = try #require(units.first { value.hasSuffix($0.0) })
        return try #require(Double(value.dropLast(suffix.count))) * scale
    }

    /// Go's mutex profile of the fixture's /ledger (`Fixtures/pprof/main.go`: one global lock held while hashing):
    /// Tuner reads the waiting Go reads (`mutex-top.txt`), all of it released by `sync.(*Mutex).Unlock`, and the place
    /// to act is the program's function that held the lock, `main.recordVisit`, on its line of main.go.
    @Test func aMutexProfileNamesTheCodeThatHeldTheLock() throws {
        let profile = try PprofDecoder.decode([UInt8](try Self.fixture("mutex.pprof")), source: "fixture", measure: "delay")
        #expect(profile.measure == "delay nanoseconds")
        let go = try Self.goTotal("mutex-top.txt")
        #expect(abs(profile.total / 1e9 - go) < 0.006, "\(profile.total / 1e9) s against Go's \(go) s")
        let unlock = try #require(Self.goTop("mutex-top.txt").first { $0.name == "sync.(*Mutex).Unlock" })
        #expect(abs((profile.top?.flat ?? 0) * 100 - unlock.flat) < 0.006 && profile.top?.name == unlock.name, "\(profile.functions)")
        let place = try #require(profile.placeToAct)
        let held = try #require(Self.goTop("mutex-top.txt").first { $0.name == "main.recordVisit" })
        #expect(place.name == "main.recordVisit" && abs(place.share * 100 - held.cumulative) < 0.006, "\(place)")
        #expect(place.calls == "sync.(*Mutex).Unlock" && place.location?.contains("main.go:") == true, "\(place)")
    }

    /// Go's allocs profile of the fixture's /snapshot (4 MiB allocated and dropped per request): the bytes Go reads
    /// (`allocs-top.txt`), and the program's `main.snapshot` as the place to act with Go's share.
    @Test func anAllocsProfileNamesTheCodeThatAllocated() throws {
        let profile = try PprofDecoder.decode([UInt8](try Self.fixture("allocs.pprof")), source: "fixture", measure: "alloc_space")
        #expect(profile.measure == "alloc_space bytes")
        let go = try Self.goTotal("allocs-top.txt")
        #expect(abs(profile.total - go) < 0.005 * 1_073_741_824, "\(profile.total) bytes against Go's \(go)")
        let place = try #require(profile.placeToAct)
        let snapshot = try #require(Self.goTop("allocs-top.txt").first { $0.name == "main.snapshot" })
        #expect(place.name == "main.snapshot" && abs(place.share * 100 - snapshot.cumulative) < 0.006, "\(place)")
    }

    /// The JSON share of the CPU profile is the share of its stacks through `encoding/json` (json.Marshal, 10.50% with
    /// its callees by Go's reading), reached from the program's own `main.encodeOrders`; the same rule reads a Python
    /// or native profile's JSON frames.
    @Test func theJSONShareIsTheStacksThroughJSON() throws {
        let profile = try PprofDecoder.decode([UInt8](try Self.fixture("cpu.pprof")), source: "fixture")
        let marshal = try #require(Self.goTop("top-cum.txt").first { $0.name == "encoding/json.Marshal" })
        #expect(abs((profile.jsonShare ?? 0) * 100 - marshal.cumulative) < 0.006, "\(profile.jsonShare ?? 0)")
        let place = try #require(profile.jsonPlace)
        #expect(place.name == "main.encodeOrders" && place.calls == "encoding/json.Marshal", "\(place)")

        let python = try FoldedStacks(parsing: """
            <module> (app.py);handle (app.py);dumps (/usr/lib/python3.11/json/__init__.py);encode (/usr/lib/python3.11/json/encoder.py) 30
            <module> (app.py);handle (app.py);checksum (app.py) 70
            """)
        let own = Set(["<module> (app.py)", "handle (app.py)", "checksum (app.py)"])
        let read = CPUProfile(stacks: python, own: own, profiler: "py-spy")
        #expect(read.jsonShare == 0.3 && read.jsonPlace?.name == "handle (app.py)" && read.jsonPlace?.share == 0.3)
    }

    /// A mostly idle service's few samples show where it waits (py-spy on an idle Python service: 19 samples, 84% in
    /// SocketIO.readinto): under half a CPU-second the profile names no hot spot; with enough samples it does.
    @Test func aProfileOfAnIdleServiceNamesNoHotSpot() throws {
        func profile(samples: Int) throws -> CPUProfile {
            let stacks = try FoldedStacks(parsing: "<module> (app.py);handle (app.py);SocketIO.readinto (/usr/lib/python3.11/socket.py) \(samples)")
            return CPUProfile(stacks: stacks, own: ["<module> (app.py)", "handle (app.py)"], profiler: "py-spy")
        }
        #expect(try !profile(samples: 19).sampledEnough && ProfileCollector.findings(try profile(samples: 19)).isEmpty)
        #expect(try profile(samples: 50).sampledEnough && !ProfileCollector.findings(try profile(samples: 50)).isEmpty)
    }

    @Test func whatIsNoProfileIsOneLine() throws {
        for bytes: [UInt8] in [Array("<html>not found</html>".utf8), [0x1F, 0x8B, 1, 2, 3], []] {
            #expect(throws: PprofDecoder.Failure.self) { try PprofDecoder.decode(bytes, source: "x") }
        }
        do {
            _ = try PprofDecoder.decode([0x1F, 0x8B, 1, 2, 3], source: "x")
        } catch {
            #expect(error.description == "not a pprof profile: bad gzip data")
        }
        #expect(throws: WorkflowError.self) { try ProfileCollector(url: "ftp://host/x") }
        #expect(try ProfileCollector(url: "http://127.0.0.1:6060").endpoint.absoluteString == "http://127.0.0.1:6060/debug/pprof/profile")
        #expect(try ProfileCollector(url: "http://h:1/debug/pprof/").endpoint.absoluteString == "http://h:1/debug/pprof/profile")
        #expect(try ProfileCollector(url: "http://h:1/debug/pprof/profile?seconds=9").endpoint.absoluteString
            == "http://h:1/debug/pprof/profile")
    }

    /// The fixture server (`Fixtures/pprof/pprof_server.py`) serves the Go profile after sleeping the seconds asked.
    final class Server {
        let process = Process()
        /// Its standard output, in a file: a pipe's write end can be inherited by a process another suite starts
        /// meanwhile, and reading the pipe to its end would then wait for that one.
        let outputPath = LoadBinaryRunner.temporaryPath("pprof-server.out")
        /// Held while the fixture lives: no other process can take the port before or after the server binds it.
        let reservation: PortReservation
        var port: Int { reservation.port }

        init() async throws {
            reservation = try TestPorts.reserve()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", ProfileTests.fixtures.appendingPathComponent("pprof_server.py").path, String(port),
                                 ProfileTests.fixtures.appendingPathComponent("cpu.pprof").path,
                                 ProfileTests.fixtures.appendingPathComponent("mutex.pprof").path,
                                 ProfileTests.fixtures.appendingPathComponent("allocs.pprof").path]
            FileManager.default.createFile(atPath: outputPath, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: outputPath)
            try process.run()
            for _ in 0..<100 {
                if (try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/")!)) != nil { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw WorkflowError("the pprof test server did not start")
        }

        /// What it printed: one line per profile served.
        func stop() -> String {
            // SIGKILL: a process started by a test inherits the test runner's ignored SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            defer { try? FileManager.default.removeItem(atPath: outputPath) }
            return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        }
    }

    static func plan(port: Int) throws -> LoadPlan {
        let workload = Workload(name: "w", model: .open, start: 20, stages: [Stage(duration: .seconds(5), target: 20)],
                                requests: [RequestTemplate(name: "root", path: "/")])
        return try LoadPlan(Scenario(target: "http://127.0.0.1:\(port)", workloads: [workload], warmUp: .seconds(1)))
    }

    static func run(port: Int, pprof: String, cluster: EmbeddedCluster) async throws -> (LoadResult, Date) {
        var workflow = RunWorkflow(plan: try plan(port: port), database: try ConnectionSettings(url: cluster.url))
        workflow.checksDatabase = false
        workflow.advisesIndexes = false
        workflow.profile = try ProfileCollector(url: pprof)
        let started = Date()
        return (try await workflow.run(), started)
    }

    @Test func tunerRunTakesTheProfileDuringTheSteadyPart() async throws {
        let server = try await Server()
        let (result, _) = try await Self.run(port: server.port, pprof: "http://127.0.0.1:\(server.port)", cluster: try SuiteCluster.cluster)
        let log = server.stop()
        let profile = try #require(result.profile, "notes: \(result.notes)")
        #expect(profile.top?.name == "crypto/sha256.block")
        #expect(result.findings.contains { $0.id == "cpu-hot-spot" && $0.object == "main.checksum" }, "\(result.findings.map(\.title))")
        // Asked once, for 80% of the 5 s measured (4 s), 10% into it after the 1 s warm-up (1.5 s from the start);
        // asked late on a busy machine, for the whole seconds left in the 6 s load.
        let line = try #require(log.split(separator: "\n").first { $0.hasPrefix("profile ") }, "\(log)")
        let seconds = try #require(line.split(separator: " ").first { $0.hasPrefix("seconds=") }.flatMap { Int($0.dropFirst(8)) })
        #expect(seconds == min(4, Int((6 - profile.startSecond).rounded(.down))), "\(line), asked at \(profile.startSecond) s")
        let asked = try #require(line.split(separator: " ").first { $0.hasPrefix("asked=") }.flatMap { Double($0.dropFirst(6)) })
        let offset = asked - result.startedAt.timeIntervalSince1970
        #expect(ProfileCollector.window(for: try Self.plan(port: server.port)).start == 1.5)
        #expect(offset >= 1.4, "asked \(offset) s after the load began, before the warm-up's end")
        // The profile says when it was really asked for (late on a busy machine, never early), as the server saw it.
        #expect(profile.startSecond >= 1.5 && abs(profile.startSecond - offset) < 0.5,
                "recorded \(profile.startSecond) s, the server saw \(offset) s")
        // The report shows it, and the guide's bottleneck is the program's own function through which the hot spot is
        // reached (74.2% with its callees in `go tool pprof -top -cum`), with the library function it spends it in.
        // Go's mutex and allocs profiles over the same window: the findings name the program's own functions (the
        // lock held in main.recordVisit, 4 MiB a request allocated in main.snapshot, JSON reached from
        // main.encodeOrders), and the guide's mutex section is filled from them.
        #expect(result.lockProfile?.placeToAct?.name == "main.recordVisit", "notes: \(result.notes)")
        #expect(result.allocationProfile?.placeToAct?.name == "main.snapshot", "notes: \(result.notes)")
        #expect(log.contains("mutex seconds=") && log.contains("allocs seconds="), "\(log)")
        let ids = Dictionary(result.findings.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(ids["lock-contention"]?.object == "main.recordVisit", "\(result.findings.map(\.title))")
        #expect(ids["lock-contention"]?.fix?.contains("main.go:") == true, "\(ids["lock-contention"]?.fix ?? "")")
        #expect(ids["allocation-heavy"]?.object == "main.snapshot", "\(result.findings.map(\.title))")
        #expect(ids["json-cpu"]?.object == "main.encodeOrders", "\(result.findings.map(\.title))")
        let markdown = PerformanceReport(result: result).markdown()
        #expect(markdown.contains("## CPU profile of the service"))
        #expect(markdown.contains("### Code 4. Mutex granularity\n\n**Issue identified:** **goroutines waited "), "\(markdown.suffix(3000))")
        #expect(markdown.contains("most for the lock held in main.recordVisit"), "\(markdown.suffix(3000))")
        #expect(markdown.contains("JSON takes 10.5% of the service's CPU, most through main.encodeOrders"), "\(markdown.suffix(3000))")
        #expect(markdown.contains("**Place to act: main.checksum ("), "\(markdown.suffix(3000))")
        #expect(markdown.contains("main.checksum: 74.2% CPU time through the service's own code, most of it in crypto/sha256."),
                "\(markdown.suffix(3000))")
    }

    @Test func aProfileAskedForCloseToTheLoadsEndSamplesOnlyWhatIsLeft() async throws {
        let server = try await Server()
        let collector = try ProfileCollector(url: "http://127.0.0.1:\(server.port)")
        let profile = try await collector.collect(start: 0.2, seconds: 4, end: 2.4).get()
        let log = server.stop()
        let line = try #require(log.split(separator: "\n").first { $0.hasPrefix("profile ") }, "\(log)")
        // Asked at 0.2 s or later, 2.2 s or less before the end: 2 whole seconds at most, and at least 1.
        #expect(line.contains("seconds=2") || line.contains("seconds=1"), "\(line)")
        #expect(profile.startSecond >= 0.2)
    }

    @Test func aProfileThatCannotBeTakenIsANoteAndTheRunStands() async throws {
        let server = try await Server()
        defer { _ = server.stop() }
        let cluster = try SuiteCluster.cluster
        let (garbage, _) = try await Self.run(port: server.port, pprof: "http://127.0.0.1:\(server.port)/debug/pprof/garbage", cluster: cluster)
        #expect(garbage.profile == nil)
        #expect(garbage.overall.count > 50)
        #expect(garbage.notes.contains { $0.hasPrefix("pprof: ") && $0.contains("not a pprof profile") }, "\(garbage.notes)")
        let closedReservation = try TestPorts.reserve()
        defer { closedReservation.release() }
        let closed = closedReservation.port
        let (unreachable, _) = try await Self.run(port: server.port, pprof: "http://127.0.0.1:\(closed)", cluster: cluster)
        #expect(unreachable.profile == nil)
        #expect(unreachable.notes.contains { $0.hasPrefix("pprof: cannot fetch") }, "\(unreachable.notes)")
    }
}
