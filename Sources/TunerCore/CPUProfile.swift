import Foundation

/// Where the service spent its CPU during the steady part of a run: from a profile it served (Go's net/http/pprof,
/// `--pprof URL`) or one taken of its process (`--profile perf|py-spy`): the functions with the largest shares, the
/// folded stacks (for the flame graph) and the place to act in the service's own code.
public struct CPUProfile: Codable, Sendable, Equatable {
    /// The URL the profile came from.
    public var source: String
    /// How long the profile sampled, in seconds.
    public var seconds: Double
    /// Seconds since the start of the load when the profile was asked for (when sampling began).
    public var startSecond: Double
    /// The value the shares are of: `cpu nanoseconds`, or `samples count` when the profile has no time.
    public var measure: String
    /// The profile's total of that value (CPU seconds when the measure is CPU time).
    public var total: Double
    public var samples: Int
    /// The functions with the largest own (flat) or inclusive (cumulative) shares, largest flat first.
    public var functions: [Function]
    /// The profiler: `pprof`, `perf`, `py-spy` (`nil` in results written before there was more than pprof).
    public var profiler: String?
    /// The samples as folded stacks (the heaviest few thousand), for the flame graph and `profile.folded`.
    public var stacks: FoldedStacks?
    /// The innermost frame of the service's own code the most CPU went through, and what it called.
    public var placeToAct: PlaceToAct?
    /// The share of the samples whose stack went through JSON (a frame with `json` in its name: Go's encoding/json,
    /// Python's json module, orjson, serde_json…), and the service's own frame most of those went through.
    public var jsonShare: Double?
    public var jsonPlace: PlaceToAct?

    /// The service's own frame to start at: `main.checksum`, 64% of the CPU through it, most of it in
    /// `crypto/sha256.block` (a standard-library function nobody can change).
    public struct PlaceToAct: Codable, Sendable, Equatable {
        public var name: String
        /// Share of the total whose innermost own frame this was.
        public var share: Double
        /// The frame it called most in those samples, when that one is not the service's own; and its share.
        public var calls: String?
        public var callShare: Double?
        /// Where in the source, when the profile says (`file:line`).
        public var location: String?

        public init(name: String, share: Double, calls: String?, callShare: Double?, location: String? = nil) {
            self.name = name
            self.share = share
            self.calls = calls
            self.callShare = callShare
            self.location = location
        }
    }

    public struct Function: Codable, Sendable, Equatable {
        /// `main.checksum`, `encoding/json.(*encodeState).marshal`.
        public var name: String
        /// The source line most samples of this function were on, as `file:line`.
        public var location: String?
        /// Share of the total spent in the function itself.
        public var flat: Double
        /// Share of the total spent in it or in what it called.
        public var cumulative: Double

        public init(name: String, location: String?, flat: Double, cumulative: Double) {
            self.name = name
            self.location = location
            self.flat = flat
            self.cumulative = cumulative
        }
    }

    public init(source: String, seconds: Double, startSecond: Double, measure: String, total: Double, samples: Int,
                functions: [Function]) {
        self.source = source
        self.seconds = seconds
        self.startSecond = startSecond
        self.measure = measure
        self.total = total
        self.samples = samples
        self.functions = functions
    }

    /// A profile from folded stacks (perf, py-spy): the shares of sample counts, the place to act among `own` (the
    /// frames of the service's own code).
    public init(stacks: FoldedStacks, own: Set<String>, profiler: String = "folded stacks", source: String = "folded stacks",
                seconds: Double = 0, startSecond: Double = 0) {
        self.init(source: source, seconds: seconds, startSecond: startSecond, measure: "samples count", total: stacks.total,
                  samples: Int(stacks.total), functions: stacks.functions())
        self.profiler = profiler
        placeToAct = stacks.placeToAct { own.contains($0) }
        measureJSON(in: stacks) { own.contains($0) }
        self.stacks = stacks.trimmed(to: FoldedStacks.keptStacks)
    }

    /// Whether a frame is JSON's: its name says so (`encoding/json.Marshal`, `dumps (…/json/__init__.py)`,
    /// `serde_json::ser::…`, `orjson`).
    public static func isJSONFrame(_ frame: String) -> Bool {
        frame.range(of: "json", options: .caseInsensitive) != nil
    }

    /// Sets `jsonShare` and `jsonPlace` from all the samples' stacks (before they are trimmed for the report).
    public mutating func measureJSON(in stacks: FoldedStacks, isOwn: (String) -> Bool) {
        let through = FoldedStacks(stacks: stacks.stacks.filter { $0.frames.contains(where: Self.isJSONFrame) })
        let total = stacks.total
        guard total > 0 else { return }
        jsonShare = through.total / total
        jsonPlace = through.placeToAct(isOwn: isOwn).map { place in
            var place = place
            place.share *= through.total / total
            place.callShare = place.callShare.map { $0 * through.total / total }
            return place
        }
    }

    /// Half a second of CPU (50 samples at perf's 99 Hz or py-spy's 100 Hz): fewer, and the profile mostly shows
    /// where an idle service waits, not where a busy one works.
    public static let fewestCPUSeconds = 0.5

    /// Whether the profile sampled enough CPU to name a hot spot: `fewestCPUSeconds` of CPU time, or as many samples
    /// of a sampling profiler. Profiles of other measures (lock waits, bytes) always are.
    public var sampledEnough: Bool {
        if let cpu = cpuSeconds { return cpu >= Self.fewestCPUSeconds }
        if measure == "samples count" { return total >= Self.fewestCPUSeconds * 100 }
        return true
    }

    /// CPU seconds sampled, when the measure is CPU time.
    public var cpuSeconds: Double? { measure == "cpu nanoseconds" ? total / 1e9 : nil }

    /// The function with the largest flat share: the profile's bottleneck.
    public var top: Function? { functions.max { $0.flat < $1.flat } }

    /// The largest cumulative share of a function of `package` (`encoding/json`): how much of the CPU went
    /// through it, callees included. Zero when none of the kept functions is in it.
    public func cumulativeShare(ofPackage package: String) -> Double {
        functions.filter { $0.name.hasPrefix(package + ".") }.map(\.cumulative).max() ?? 0
    }
}
