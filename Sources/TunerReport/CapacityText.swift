import TunerCore

/// `tuner capacity`'s words: a line per step while it searches, the answer and its evidence at the end,
/// and the same as a Markdown section for the report.
public enum CapacityText {
    public static func rate(_ value: Double) -> String { NumberFormat.number(value) }

    /// `search  150 req/s → 149.8 achieved · p50 21ms p95 24ms p99 31ms · 0 errors · pass`
    public static func stepLine(_ step: CapacityStep) -> String {
        let offered = step.phase == .probe ? "closed-model probe" : "\(rate(step.offeredRate)) req/s"
        let verdict = step.phase == .probe ? "estimate" : step.passed ? "pass" + drawn(step)
            : step.isUndecided == true ? "not passed, \(step.reason ?? "undecided")" : "FAIL\(drawn(step)): \(step.reason ?? "failed")"
        return "  \(step.phase.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(offered) → \(rate(step.achievedRate)) achieved"
            + " · p50 \(NumberFormat.millis(step.p50)) p95 \(NumberFormat.millis(step.p95)) p99 \(NumberFormat.millis(step.p99))"
            + " · \(NumberFormat.count(step.errors)) errors" + service(step) + windows(step) + " · \(verdict)"
    }

    /// ` at 17.1 req/s (its random arrivals came to 86% of the offered rate)` for a step that passed on a short draw or
    /// failed on a long one, or nothing.
    static func drawn(_ step: CapacityStep) -> String {
        guard let drawn = step.drawnRate, step.offeredRate > 0 else { return "" }
        return " at \(rate(drawn)) req/s (its random arrivals came to \(Int((drawn / step.offeredRate * 100).rounded()))% of the offered rate)"
    }

    /// ` · 3 windows (42s)` for a step that went on to decide its verdict, or nothing.
    static func windows(_ step: CapacityStep) -> String {
        guard let windows = step.windows, windows > 1 else { return "" }
        return " · \(windows) windows (\(NumberFormat.seconds(step.measuredSeconds)))"
    }

    /// The steps table's headers before the verdict (report.md and report.html): the service's two only when a
    /// step was metered.
    static func stepHeaders(_ capacity: CapacityResult) -> [String] {
        ["phase", "offered req/s", "achieved req/s", "requests", "p50", "p95", "p99", "errors"]
            + (isMetered(capacity) ? ["service CPU/req", "service cores"] : [])
    }

    static func isMetered(_ capacity: CapacityResult) -> Bool {
        capacity.steps.contains { $0.serviceCPUMillisecondsPerRequest != nil }
    }

    /// A step's cells under `stepHeaders`, as plain text.
    static func stepCells(_ step: CapacityStep, metered: Bool) -> [String] {
        [step.phase.rawValue, step.phase == .probe ? "closed model" : NumberFormat.number(step.offeredRate),
         NumberFormat.number(step.achievedRate), NumberFormat.count(step.requests), NumberFormat.millis(step.p50),
         NumberFormat.millis(step.p95),
         NumberFormat.millis(step.p99), NumberFormat.count(step.errors)]
            + (metered ? [step.serviceCPUMillisecondsPerRequest.map(NumberFormat.millis) ?? "-",
                          step.serviceCores.map(NumberFormat.significant) ?? "-"] : [])
    }

    /// ` · service 2.1 ms CPU/req, 0.84 cores`, or nothing when the service was not metered.
    static func service(_ step: CapacityStep) -> String {
        guard let perRequest = step.serviceCPUMillisecondsPerRequest else { return "" }
        return " · service \(NumberFormat.millis(perRequest)) CPU/req" + (step.serviceCores.map { ", \(NumberFormat.significant($0)) cores" } ?? "")
    }

    /// The answer first, then why the next rate failed, the knee, the scalability fit, sizing and every step.
    public static func summary(_ capacity: CapacityResult) -> String {
        var lines: [String] = [""]
        lines.append(contentsOf: headline(capacity))
        lines.append("")
        lines.append("phase     offered  achieved       p50       p95       p99    errors  verdict")
        for step in capacity.steps {
            let offered = step.phase == .probe ? "-" : rate(step.offeredRate)
            let verdict = step.phase == .probe ? "estimate" : step.passed ? "pass" + drawn(step)
                : step.isUndecided == true ? "not passed, \(step.reason ?? "undecided")" : "fail: \(step.reason ?? "")"
            lines.append(
                step.phase.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + pad(offered, 9) + pad(rate(step.achievedRate), 10) + pad(NumberFormat.millis(step.p50), 10)
                    + pad(NumberFormat.millis(step.p95), 10) + pad(NumberFormat.millis(step.p99), 10)
                    + pad(NumberFormat.count(step.errors), 10) + "  " + verdict)
        }
        return lines.joined(separator: "\n")
    }

    /// The findings in sentences (shared by the terminal and Markdown).
    public static func headline(_ capacity: CapacityResult) -> [String] {
        var lines: [String] = []
        let slo = capacity.slo.joined(separator: ", ")
        if let found = capacity.maxSustainableRate {
            let bound = capacity.isLowerBound ? "at least " : ""
            lines.append("maximum sustainable rate: \(bound)\(rate(found)) req/s at the SLO (\(slo))")
        } else {
            lines.append("no rate held the SLO (\(slo))")
        }
        if let evidence = evidenceLine(capacity) { lines.append(evidence) }
        if capacity.limitedByGenerator {
            lines.append("the load generator ran out of CPU: the search stopped there; that limit is the generator's, not the service's — run more generators (tuner merge) or give it more cores")
        }
        if let failing = capacity.firstFailingRate {
            lines.append("first failing rate: \(rate(failing)) req/s — \(capacity.failureReason ?? "failed")")
        }
        if let saturation = capacity.saturation, let first = saturation.first {
            lines.append(first)
            lines += saturation.dropFirst().map { "  " + $0 }
        }
        if let knee = capacity.kneeRate {
            lines.append("knee of the latency curve: \(rate(knee)) req/s (p95 below twice its low-load value up to there)")
        }
        if let fit = capacity.scalability {
            var text = "scalability (USL, \(fit.points) points): λ \(rate(fit.lambda)) req/s, σ \(NumberFormat.significant(fit.sigma)), κ \(NumberFormat.significant(fit.kappa)), R² \(NumberFormat.significant(fit.rSquared))"
            if let peak = fit.predictedPeakRate {
                text += fit.peakConcurrency.map { ", predicted peak \(rate(peak)) req/s at \(NumberFormat.number($0)) in flight" }
                    ?? ", throughput levels off near \(rate(peak)) req/s"
            }
            lines.append(text)
            if !fit.isGood {
                lines.append("the fit is poor (R² below \(NumberFormat.significant(ScalabilityFit.goodFit))): do not use its predictions")
            }
        }
        if let sizing = capacity.sizing {
            lines.append("for \(rate(sizing.targetRate)) req/s: \(sizing.instances) instance\(sizing.instances == 1 ? "" : "s") like this one, each planned at \(rate(sizing.ratePerInstance)) req/s (\(NumberFormat.percent(sizing.headroom)) headroom)")
        }
        lines.append("search: \(capacity.steps.count) steps in \(NumberFormat.seconds(capacity.searchSeconds))")
        return lines
    }

    /// `between 16.2 and 17 req/s as measured (the highest rate that passed, the lowest that failed) · arrivals at
    /// random (poisson) · each SLO verdict at 95% confidence`.
    public static func evidenceLine(_ capacity: CapacityResult) -> String? {
        var parts: [String] = []
        if let interval = capacity.interval, interval.passed != nil || interval.failed != nil {
            parts.append("the capacity lies in \(interval.description) (from the highest rate that passed to the lowest that failed)")
        }
        if let arrivals = capacity.arrivals {
            parts.append(arrivals == ArrivalProcess.poisson.rawValue ? "requests arrived at random (poisson), as independent users do"
                : arrivals == ArrivalProcess.uniform.rawValue ? "requests arrived evenly spaced (kinder than real users)" : "arrivals \(arrivals)")
        }
        if let confidence = capacity.confidence {
            parts.append("a step passed only when every SLO's \(NumberFormat.percent(confidence)) interval lay within its limit")
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? " " + text : String(repeating: " ", count: width - text.count) + text
    }
}
