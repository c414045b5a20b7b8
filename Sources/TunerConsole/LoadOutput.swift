import Foundation
import TunerCore
import TunerLoad

/// What `tuner load` shows and writes: the plan line, the live progress line on stderr, the
/// summary, and the result JSON (stdout with `--json -`, the summary then going to stderr).
public final class LoadOutput: @unchecked Sendable {
    // @unchecked: `progress` is called from the engine's task while the command waits; the lock
    // makes the few mutable fields safe regardless.
    private let lock = NSLock()
    private let jsonPath: String?
    private let quiet: Bool
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastLine = 0.0
    private var showedLine = false
    /// `--metrics-listen`: the endpoint the run's figures are served on, and the last second's progress for it.
    private var metrics: MetricsServer?
    private var lastProgress: LoadProgress?
    /// More of the exposition, served after the load's figures (`tuner run`: the database's last second).
    private var extraExposition = ""

    /// Seconds between progress lines when stderr is not a terminal.
    static let plainInterval = 5.0

    private let command: String

    public init(jsonPath: String?, quiet: Bool, command: String = "tuner load") {
        self.jsonPath = jsonPath
        self.quiet = quiet
        self.command = command
    }

    public func announce(_ plan: LoadPlan) {
        let workloads = plan.scenario.workloads.map { w in
            let level = w.model == .open
                ? "\(NumberFormat.number(w.peak)) req/s \(w.arrivals == .poisson ? "at random (poisson)" : "evenly spaced") (pool \(w.connections))"
                : "\(Int(w.peak.rounded())) connections"
            return "\(w.name == "default" ? "" : w.name + ": ")\(w.model.rawValue) \(level)"
        }.joined(separator: "; ")
        var line = "\(command) \(plan.target) · \(workloads) · \(plan.totalDuration.shortDescription)"
        if plan.scenario.warmUp > .zero { line += " incl. \(plan.scenario.warmUp.shortDescription) warm-up" }
        line += " · \(plan.threads) event loop\(plan.threads == 1 ? "" : "s")"
        if plan.target.isTLS && plan.scenario.tls.insecure { line += " · TLS verification OFF (--insecure)" }
        if !plan.scenario.connectTo.isEmpty { line += " · --connect-to \(plan.scenario.connectTo.map(\.description).joined(separator: ", "))" }
        if plan.scenario.workloads.contains(where: { $0.model == .open && $0.arrivals == .poisson }) {
            line += " · seed \(plan.seed)"
        }
        if let shard = plan.shard { line += " · shard \(shard) (plan \(plan.fingerprint))" }
        if let start = plan.startAt {
            let ahead = start.timeIntervalSinceNow
            line += ahead > 0 ? " · starts at \(ISO8601DateFormatter().string(from: start)) (in \(Duration.seconds(ahead).shortDescription))"
                : " · the common start \(ISO8601DateFormatter().string(from: start)) has passed: joining late"
        }
        Console.write(line + "\n")
    }

    /// Serves the run's figures on `metrics` (updated each second) from here on.
    public func serve(on metrics: MetricsServer) {
        lock.withLock { self.metrics = metrics }
        Console.note("metrics: http://\(metrics.address)/metrics (Prometheus text, updated every second)")
    }

    /// The engine's per-second callback.
    public var progress: @Sendable (LoadProgress) -> Void {
        { [self] progress in
            lock.withLock { lastProgress = progress }
            self.show(progress)
        }
    }

    private func show(_ p: LoadProgress) {
        guard !quiet else { return }
        lock.lock()
        defer { lock.unlock() }
        let text = "[\(Int(p.elapsedSeconds))s/\(Int(p.totalSeconds.rounded(.up)))s]"
            + "\(p.isWarmUp ? " warm-up" : "") \(p.point.requests) req/s · p50 \(NumberFormat.millis(p.point.p50))"
            + " · p99 \(NumberFormat.millis(p.point.p99)) · errors \(p.errors) · cpu \(Int(p.generatorCPUPercent))%"
        if isTerminal {
            Console.write("\r\u{1B}[2K" + text)
            showedLine = true
        } else if p.elapsedSeconds - lastLine >= Self.plainInterval || p.elapsedSeconds >= p.totalSeconds {
            lastLine = p.elapsedSeconds
            Console.write(text + "\n")
        }
    }

    /// Ends the in-place progress line so the summary starts on a fresh one.
    public func finishProgress() {
        lock.lock()
        defer { lock.unlock() }
        if showedLine { Console.write("\n") }
        showedLine = false
    }

    /// Once a second during a run: writes the result so far to the `--json` file (atomically; a failure to write
    /// is left to the final write to report) and serves it on `--metrics-listen`. `nil` when neither is asked for,
    /// so that the engine does not build the snapshot.
    public var checkpoint: (@Sendable (LoadResult) -> Void)? {
        let path = jsonPath == "-" ? nil : jsonPath
        guard path != nil || lock.withLock({ metrics }) != nil else { return nil }
        return { [self] partial in
            if let path { try? ResultFile.write(partial, to: path) }
            publish(partial)
        }
    }

    /// Serves `result` on the metrics endpoint, if there is one (the final result too, before the server stops).
    public func publish(_ result: LoadResult) {
        let (metrics, progress, extra) = lock.withLock { (self.metrics, lastProgress, extraExposition) }
        metrics?.update(LiveMetrics.render(result, progress: progress) + extra)
    }

    /// Families to serve after the load's own from the next update on (the database's figures of the last second).
    public func serveAlso(_ exposition: String) {
        lock.withLock { extraExposition = exposition }
    }

    public func write(_ result: LoadResult) throws {
        guard let jsonPath else { return }
        do {
            if jsonPath == "-" {
                Console.output(try ResultFile.encode(result))
                Console.output("\n")
            } else {
                try ResultFile.write(result, to: jsonPath)
            }
        } catch {
            throw ToolError.runtime(error.description)
        }
    }

    public func printSummary(_ result: LoadResult) {
        let text = "\n" + LoadSummary.render(result) + "\n"
        if jsonPath == "-" { Console.write(text) } else { Console.output(text) }
    }
}
