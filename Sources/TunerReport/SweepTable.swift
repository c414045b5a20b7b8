import TunerCore

/// A sweep's trade-off table as cells, for the terminal, report.md and report.html alike: one row per point
/// (its settings, capacity or latency, what the database and the service did), and a note per row that
/// compares it with the recommended point (the knee), so that every row says what choosing it would change.
public struct SweepTable: Sendable {
    public var headers: [String]
    public var rows: [[String]]
    /// Columns holding numbers (right-aligned where the output aligns).
    public var numeric: [Int]

    public init(_ sweep: SweepResult) {
        let isCapacity = sweep.measure == "capacity"
        var headers = sweep.parameters
        if isCapacity { headers.append("max req/s at SLO") }
        let common = isCapacity ? sweep.commonRate : nil
        if let common {
            let at = " @ " + CapacityText.rate(common)
            headers += ["p50" + at, "p95" + at, "p99" + at, "errors" + at]
        } else {
            headers += ["achieved", "p50", "p95", "p99", "errors"]
        }
        let hasDatabase = sweep.points.contains { $0.database != nil }
        if hasDatabase { headers += ["db tx/s", "tx/req", "rows w/s", "WAL/s", "conns"] }
        let serviceNames = Array(Set(sweep.points.flatMap { ($0.service ?? [:]).keys })).sorted()
        headers += serviceNames
        headers += ["ready in", "note"]
        self.headers = headers
        numeric = Array(sweep.parameters.count..<(headers.count - 1))
        let knee = sweep.points.first { point in
            sweep.knee.map { knee in sweep.parameters.allSatisfy { point.values[$0] == knee[$0] } } ?? false
        }
        rows = sweep.points.map { point in
            var row = sweep.parameters.map { point.values[$0] ?? "" }
            if isCapacity {
                row.append(point.capacity.map { (point.isLowerBound ? "≥ " : "") + CapacityText.rate($0) } ?? "-")
            }
            if common != nil {
                let at = point.atCommonRate
                row += [
                    at.map { NumberFormat.millis($0.p50) } ?? "-", at.map { NumberFormat.millis($0.p95) } ?? "-",
                    at.map { NumberFormat.millis($0.p99) } ?? "-", at.map { NumberFormat.count($0.errors) } ?? "-",
                ]
            } else {
                row += [
                    point.achievedRate.map(CapacityText.rate) ?? "-", point.p50.map(NumberFormat.millis) ?? "-",
                    point.p95.map(NumberFormat.millis) ?? "-", point.p99.map(NumberFormat.millis) ?? "-",
                    point.errors.map { NumberFormat.count($0) } ?? "-",
                ]
            }
            if hasDatabase {
                let db = point.database
                row += [
                    db.map { NumberFormat.significant($0.transactionsPerSecond) } ?? "-",
                    db?.transactionsPerRequest.map(NumberFormat.significant) ?? "-",
                    db.map { NumberFormat.significant($0.rowsWrittenPerSecond) } ?? "-",
                    db.map { NumberFormat.bytes(Int64($0.walBytesPerSecond)) } ?? "-",
                    db.map { String($0.connections) } ?? "-",
                ]
            }
            row += serviceNames.map { name in point.service?[name].map(NumberFormat.significant) ?? "-" }
            row.append(point.readySeconds.map { NumberFormat.millis($0 * 1000) } ?? "-")
            row.append(Self.note(point, knee: knee, isCapacity: isCapacity, serviceNames: serviceNames))
            return row
        }
    }

    /// `recommended (knee)`, `failed: …`, or how the point differs from the knee, figure by figure.
    static func note(_ point: SweepPoint, knee: SweepPoint?, isCapacity: Bool, serviceNames: [String]) -> String {
        if let failure = point.failure { return "failed: \(failure)" }
        guard let knee else { return "" }
        if knee.values == point.values { return "recommended (knee)" }
        var changes: [String] = []
        func compare(_ name: String, _ value: Double?, _ reference: Double?) {
            guard let value, let reference, reference > 0 else { return }
            changes.append("\(name) \(NumberFormat.change((value - reference) / reference * 100))")
        }
        if isCapacity { compare("capacity", point.capacity, knee.capacity) } else { compare("p95", point.p95, knee.p95) }
        compare("db tx/s", point.database?.transactionsPerSecond, knee.database?.transactionsPerSecond)
        for name in serviceNames { compare(name, point.service?[name], knee.service?[name]) }
        return changes.isEmpty ? "" : "vs the knee: " + changes.joined(separator: ", ")
    }
}
