import TunerCore

/// The service's CPU profile as a heading line and table cells, for report.md and report.html alike.
enum ProfileText {
    /// `4 s from 1.5 s into the load, 8.76 CPU seconds in 438 samples, from http://…/debug/pprof/profile`.
    static func summary(_ profile: CPUProfile) -> String {
        let samples = "\(NumberFormat.count(profile.samples)) samples"
        let total = profile.cpuSeconds.map { "\(NumberFormat.significant($0)) CPU seconds in \(samples)" }
            ?? (profile.measure == "samples count" ? samples : "\(NumberFormat.number(profile.total)) \(profile.measure) in \(samples)")
        return "\(NumberFormat.seconds(profile.seconds)) from \(NumberFormat.seconds(profile.startSecond)) into the load, "
            + "\(total), from \(profile.source)"
    }

    /// `Place to act: main.checksum (main.go:41), 64% of the CPU through it, most of it in crypto/sha256.block (59%).`
    static func placeToAct(_ profile: CPUProfile) -> String? {
        guard let place = profile.placeToAct else { return nil }
        return "Place to act: \(place.name)" + (place.location.map { " (\($0))" } ?? "")
            + ", \(NumberFormat.percent(place.share)) of the CPU through it"
            + (place.calls.map { ", most of it in \($0)" + (place.callShare.map { " (\(NumberFormat.percent($0)))" } ?? "") } ?? "")
            + " — the innermost frame of the service's own code on each sampled stack."
    }

    static let headers = ["function", "own (flat)", "with callees (cum)", "hottest line"]

    /// The ten functions with the largest own shares.
    static func rows(_ profile: CPUProfile) -> [[String]] {
        profile.functions.sorted { ($0.flat, $0.cumulative) > ($1.flat, $1.cumulative) }.prefix(10).map {
            [$0.name, NumberFormat.percent($0.flat), NumberFormat.percent($0.cumulative), $0.location ?? "-"]
        }
    }
}
