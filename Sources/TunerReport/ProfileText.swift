import TunerCore

/// The service's CPU profile as a heading line and table cells, for report.md and report.html alike.
enum ProfileText {
    /// `4 s from 1.5 s into the load, 8.76 CPU seconds in 438 samples, from http://…/debug/pprof/profile`.
    static func summary(_ profile: CPUProfile) -> String {
        let total = profile.cpuSeconds.map { "\(NumberFormat.significant($0)) CPU seconds" } ?? "\(NumberFormat.number(profile.total)) \(profile.measure)"
        return "\(NumberFormat.seconds(profile.seconds)) from \(NumberFormat.seconds(profile.startSecond)) into the load, "
            + "\(total) in \(NumberFormat.count(profile.samples)) samples, from \(profile.source)"
    }

    static let headers = ["function", "own (flat)", "with callees (cum)", "hottest line"]

    /// The ten functions with the largest own shares.
    static func rows(_ profile: CPUProfile) -> [[String]] {
        profile.functions.sorted { ($0.flat, $0.cumulative) > ($1.flat, $1.cumulative) }.prefix(10).map {
            [$0.name, NumberFormat.percent($0.flat), NumberFormat.percent($0.cumulative), $0.location ?? "-"]
        }
    }
}
