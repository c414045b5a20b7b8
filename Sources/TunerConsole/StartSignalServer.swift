import NIOHTTP1
import Foundation
import Synchronization
import TunerCore

/// `tuner load --await-start HOST:PORT`: a shard's side of the start barrier. It answers `GET /ready` (200 once the
/// plan is built and the shard waits) and takes the common start time from a coordinator's `POST /start` (body: Unix
/// seconds or RFC 3339). The same time posted again is accepted; another one is refused (409): one run, one clock.
public final class StartSignalServer: Sendable {
    private let startAt = StartTimeBox()
    private let server: SmallHTTPServer
    /// Where it listens (the port the system chose when 0 was asked for).
    public var address: String { server.address }

    public init(listen: String) async throws {
        let startAt = self.startAt
        server = try await SmallHTTPServer(listen: listen, option: "--await-start") { method, path, body in
            let (status, text) = startAt.answer(method: method.rawValue, path: path, body: body)
            return (status, "text/plain; charset=utf-8", text)
        }
    }

    /// Waits until a coordinator posts the start time (cancelling the task stops the wait with `CancellationError`).
    public func waitForStart() async throws -> Date {
        while true {
            if let start = startAt.value.withLock({ $0 }) { return start }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func stop() async {
        await server.stop()
    }
}

/// The start time once posted, shared by the server and the shard that waits for it.
private final class StartTimeBox: Sendable {
    let value = Mutex<Date?>(nil)

    func answer(method: String, path: String, body: String) -> (HTTPResponseStatus, String) {
        switch (method, path) {
        case ("GET", "/ready"):
            return (.ok, value.withLock { $0 } == nil ? "ready\n" : "started\n")
        case ("POST", "/start"):
            let given: Date
            do { given = try StartTime.parse(body) } catch { return (.badRequest, "\(error)\n") }
            let accepted = value.withLock { current -> Bool in
                if let current { return abs(current.timeIntervalSince(given)) < 0.001 }
                current = given
                return true
            }
            return accepted ? (.ok, "starting at \(given.timeIntervalSince1970)\n") : (.conflict, "already given another start time\n")
        default:
            return (.notFound, "try GET /ready or POST /start\n")
        }
    }
}
