/// The guides' test types as presets: they turn a target level and a duration into stages.
///
/// - `smoke`: 1 connection (closed model), 1 min — does it work at all?
/// - `load`: ramp to the target over 10 %, hold 80 %, ramp down 10 % (default 5 min).
/// - `stress`: ramp past the target, to 2× and 3×, to find the breaking point (default 10 min).
/// - `spike`: a tenth of the target, a sudden surge to the target, back, and recovery (default 2 min).
/// - `soak`: the target held for long (default 1 h) to expose leaks and slow degradation.
public struct Profile: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// Length used when none is given.
    public let defaultDuration: Duration
    /// (fraction of the duration, level as a fraction of the target) per stage, ramping from `start`.
    let shape: [(fraction: Double, level: Double)]
    let start: Double

    public static let smoke = Profile(name: "smoke", defaultDuration: .seconds(60), start: 1, shape: [(1, 1)])
    public static let load = Profile(
        name: "load", defaultDuration: .seconds(300), start: 0, shape: [(0.1, 1), (0.8, 1), (0.1, 0)])
    public static let stress = Profile(
        name: "stress", defaultDuration: .seconds(600), start: 0,
        shape: [(0.1, 1), (0.2, 1), (0.2, 2), (0.2, 2), (0.2, 3), (0.1, 0)])
    public static let spike = Profile(
        name: "spike", defaultDuration: .seconds(120), start: 0.1,
        shape: [(0.3, 0.1), (0.05, 1), (0.2, 1), (0.05, 0.1), (0.4, 0.1)])
    public static let soak = Profile(
        name: "soak", defaultDuration: .seconds(3600), start: 0, shape: [(0.05, 1), (0.9, 1), (0.05, 0)])

    public static let all: [Profile] = [.smoke, .load, .stress, .spike, .soak]

    private init(name: String, defaultDuration: Duration, start: Double, shape: [(Double, Double)]) {
        self.name = name
        self.defaultDuration = defaultDuration
        self.start = start
        self.shape = shape.map { (fraction: $0.0, level: $0.1) }
    }

    /// Looks a preset up by name.
    public init(named name: String) throws(LoadError) {
        guard let profile = Self.all.first(where: { $0.name == name.lowercased() }) else {
            throw LoadError("unknown profile '\(name)'; accepted: \(Self.all.map(\.name).joined(separator: ", "))")
        }
        self = profile
    }

    public var description: String { name }

    /// The workload with this profile's stages at its peak level; `smoke` switches it to one connection.
    public func apply(to workload: Workload, duration: Duration?) -> Workload {
        var shaped = workload
        let total = duration ?? defaultDuration
        if self == .smoke {
            shaped.model = .closed
            shaped.start = 1
            shaped.stages = [Stage(duration: total, target: 1)]
            return shaped
        }
        let peak = workload.peak
        shaped.start = start * peak
        shaped.stages = shape.map { Stage(duration: total * $0.fraction, target: $0.level * peak) }
        return shaped
    }

    public static func == (lhs: Profile, rhs: Profile) -> Bool { lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
