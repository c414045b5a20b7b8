import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner coldstart` against a service whose cold start is known by construction (`Fixtures/coldstart_server.py`):
/// 300 ms before it listens, 250 ms of lazy initialisation on its first request unless pre-warmed, in which case
/// it pays them before it listens.
@Suite(.serialized) struct ColdStartCommandTests {
    static var server: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/coldstart_server.py").path
    }

    @Test func preWarmingMovesTheFirstRequestsCostIntoTheStart() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let json = LoadBinaryRunner.temporaryPath("coldstart.json")
        defer { try? FileManager.default.removeItem(atPath: json) }
        let run = try await LoadBinaryRunner.runOffThePool(
            ["coldstart", "http://127.0.0.1:\(port)/work", "--service", "exec python3 \(Self.server) \(port) 300 250",
             "--ready", "http://127.0.0.1:\(port)/health", "--param", "PREWARM=0,1", "--starts", "3", "--requests", "4",
             "--json", json],
            timeout: .seconds(120))
        #expect(run.status == 0, "\(run.stderr.suffix(1500))")
        let result = try JSONDecoder().decode(ColdStartResult.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        let cold = try #require(result.variants.first { $0.name == "PREWARM=0" })
        let warm = try #require(result.variants.first { $0.name == "PREWARM=1" })
        #expect(cold.starts.count == 3 && warm.starts.count == 3)
        let (coldFirst, warmFirst) = (try #require(cold.firstRequestMilliseconds), try #require(warm.firstRequestMilliseconds))
        // The first request without pre-warming pays the 250 ms; with it, nothing; later requests never do. The upper
        // bound leaves 150 ms for one request's scheduling on a starved machine (seen in CI: 345 ms against 4 ms) and
        // still catches a first request charged with the 300 ms start as well.
        #expect(coldFirst - warmFirst >= 250 * 0.85 && coldFirst - warmFirst <= 250 + 150, "\(coldFirst) vs \(warmFirst)")
        // Later requests do not pay it again (no absolute bound: a starved CI machine makes every request slow).
        let coldLater = try #require(cold.laterRequestsMilliseconds)
        #expect(coldFirst - coldLater >= 250 * 0.6, "first \(coldFirst) ms, then \(coldLater) ms")
        // Pre-warming is paid in time to ready: neither can be ready before it listens (300 ms, and 250 ms more
        // pre-warmed). Python's own start varies by hundreds of milliseconds on a machine busy with other suites,
        // so only these lower bounds, which no load can break, are checked.
        let (coldReady, warmReady) = (try #require(cold.readyMilliseconds), try #require(warm.readyMilliseconds))
        #expect(coldReady >= 300, "ready before the service listened: \(coldReady)")
        #expect(warmReady >= 550, "ready before the pre-warmed service listened: \(warmReady)")
        #expect(run.stdout.contains("PREWARM=1: ") && run.stdout.contains("faster first-request latency than PREWARM=0"), "\(run.stdout)")
    }

    /// Something else already answers at the ready URL: measuring it would report another process as the service.
    @Test func refusesWhenTheReadyURLAnswersBeforeTheServiceStarted() async throws {
        let other = try await TestHTTPServer()
        defer { other.stopInBackground() }
        let mark = "coldstart-\(UUID().uuidString.prefix(8))"
        let run = try await LoadBinaryRunner.runOffThePool(
            ["coldstart", other.url + "/", "--service", "exec sleep 30 # \(mark)", "--ready", other.url + "/",
             "--starts", "1", "--quiet"],
            timeout: .seconds(60))
        #expect(run.status == 1, "\(run.stderr)")
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errors.count == 1 && errors[0].contains("something already answers at \(other.url)/"), "\(run.stderr)")
        #expect(SweepCommandTests.processes(marked: mark).isEmpty, "the service was started")
    }

    @Test func aServiceThatNeverGetsReadyIsOneLineAndExit1() async throws {
        let reservation = try TestPorts.reserve()
        defer { reservation.release() }
        let port = reservation.port
        let run = try await LoadBinaryRunner.runOffThePool(
            ["coldstart", "http://127.0.0.1:\(port)/", "--service", "exit 3", "--ready", "http://127.0.0.1:\(port)/health",
             "--starts", "1", "--quiet"],
            timeout: .seconds(60))
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("the service exited before"), "\(run.stderr)")
        let bad = try await LoadBinaryRunner.runOffThePool(["coldstart", "not a url", "--service", "true", "--ready", "x"])
        #expect(bad.status == 64)
    }
}
