import TunerCore

extension RunComparison {
    /// The service's CPU per request (judged on its per-second values: the cores used over the requests answered in
    /// each measured second) and its memory peak (one figure per run, so only its size is shown).
    static func serviceFigures(_ b: ServiceUsage, _ a: ServiceUsage, before: LoadResult, after: LoadResult,
                               rule: NoiseRule) -> [MetricChange] {
        var out: [MetricChange] = []
        if let cb = b.cpuMillisecondsPerRequest, let ca = a.cpuMillisecondsPerRequest {
            let (sb, sa) = (perSecondCPU(b, before), perSecondCPU(a, after))
            let estimate: NoiseRule.Estimate = sb.count >= 2 && sa.count >= 2
                ? .series(before: sb, after: sa, label: "per-second CPU per request")
                : .unknown(reason: "fewer than two measured seconds")
            out.append(rule.change("service CPU per request", unit: .milliseconds, before: cb, after: ca,
                                   direction: .lowerIsBetter, estimate: estimate))
        }
        if let mb = b.residentBytesPeak, let ma = a.residentBytesPeak {
            out.append(rule.change("service memory peak", unit: .bytes, before: Double(mb), after: Double(ma),
                                   direction: .lowerIsBetter, estimate: .unknown(reason: "one peak per run")))
        }
        return out
    }

    /// CPU milliseconds per request in each measured second that had requests.
    private static func perSecondCPU(_ usage: ServiceUsage, _ result: LoadResult) -> [Double] {
        let requests = Dictionary(result.series.filter { !$0.isWarmUp }.enumerated().map { ($0.offset + 1, $0.element.requests) },
                                  uniquingKeysWith: +)
        return usage.series.compactMap { point in
            guard let count = requests[point.second], count > 0 else { return nil }
            return point.cores * 1000 / Double(count)
        }
    }
}
