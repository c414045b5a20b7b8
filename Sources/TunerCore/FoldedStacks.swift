import Foundation

/// A profile's samples as folded stacks, the one form every profiler's output is turned into (pprof, `perf script`,
/// py-spy's raw output): each distinct call stack, outermost frame first, with its weight (samples, or CPU time).
///
/// The text form is the one flamegraph.pl, inferno and speedscope read: `main;handle;checksum 42` per line.
public struct FoldedStacks: Codable, Sendable, Equatable {
    public var stacks: [Stack]

    public struct Stack: Codable, Sendable, Equatable {
        /// Outermost (the thread's start) first, the frame that was running last.
        public var frames: [String]
        public var weight: Double

        public init(frames: [String], weight: Double) {
            self.frames = frames
            self.weight = weight
        }
    }

    public init(stacks: [Stack]) {
        self.stacks = stacks
    }

    /// Reads the folded text form: a stack of frames joined by `;`, a space, its weight; blank lines are skipped.
    public init(parsing text: String) throws(ParseError) {
        var stacks: [Stack] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            // A sample with no frames (py-spy writes one for a thread it could read no stack of) is a count alone.
            let space = trimmed.lastIndex(of: " ")
            guard let weight = Double(space.map { trimmed[trimmed.index(after: $0)...] } ?? trimmed[...]), weight >= 0 else {
                throw ParseError("line \(index + 1) is not 'frame;frame;… count': \(trimmed.prefix(80))")
            }
            let frames = space.map { trimmed[..<$0].split(separator: ";").map(String.init) } ?? []
            stacks.append(Stack(frames: frames.isEmpty ? ["[no frames]"] : frames, weight: weight))
        }
        self.init(stacks: stacks)
        merge()
    }

    /// The text form, heaviest stacks first (equal ones in name order).
    public var text: String {
        stacks.sorted { ($0.weight, $1.frames.joined(separator: ";")) > ($1.weight, $0.frames.joined(separator: ";")) }.map { stack in
            stack.frames.map { $0.replacingOccurrences(of: ";", with: ":").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: ";") + " " + Self.weightText(stack.weight)
        }.joined(separator: "\n") + (stacks.isEmpty ? "" : "\n")
    }

    /// A weight as folded text writes it: whole numbers without a decimal point.
    public static func weightText(_ weight: Double) -> String {
        weight == weight.rounded() && abs(weight) < 1e15 ? String(Int64(weight)) : String(weight)
    }

    public var total: Double { stacks.reduce(0) { $0 + $1.weight } }

    /// Stacks a result file keeps (the rest are one `[other stacks]`).
    public static let keptStacks = 3000

    /// Adds up stacks with the same frames.
    public mutating func merge() {
        var weights: [[String]: Double] = [:]
        var order: [[String]] = []
        for stack in stacks {
            if weights[stack.frames] == nil { order.append(stack.frames) }
            weights[stack.frames, default: 0] += stack.weight
        }
        stacks = order.map { Stack(frames: $0, weight: weights[$0] ?? 0) }
    }

    /// The heaviest `limit` stacks and one `[other stacks]` stack for the rest, so that a result file stays small and
    /// the shares stay whole.
    public func trimmed(to limit: Int) -> FoldedStacks {
        guard stacks.count > limit else { return self }
        let sorted = stacks.sorted { $0.weight > $1.weight }
        let rest = sorted[limit...].reduce(0) { $0 + $1.weight }
        return FoldedStacks(stacks: Array(sorted[..<limit]) + [Stack(frames: ["[other stacks]"], weight: rest)])
    }

    /// Each frame's own share (stacks it ran last in) and inclusive share (stacks it is anywhere in, counted once per
    /// stack), largest own first; frames kept: the `limit` largest by own and by inclusive share.
    public func functions(limit: Int = 15) -> [CPUProfile.Function] {
        let total = self.total
        guard total > 0 else { return [] }
        var own: [String: Double] = [:]
        var inclusive: [String: Double] = [:]
        for stack in stacks {
            guard let leaf = stack.frames.last else { continue }
            own[leaf, default: 0] += stack.weight
            for frame in Set(stack.frames) { inclusive[frame, default: 0] += stack.weight }
        }
        let byOwn = own.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map(\.key)
        let byInclusive = inclusive.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(limit).map(\.key)
        var chosen: [String] = []
        for name in byOwn + byInclusive where !chosen.contains(name) { chosen.append(name) }
        return chosen.map { name in
            CPUProfile.Function(name: name, location: nil, flat: (own[name] ?? 0) / total,
                                cumulative: (inclusive[name] ?? 0) / total)
        }.sorted { ($0.flat, $0.cumulative) > ($1.flat, $1.cumulative) }
    }

    /// The place to act: for every stack, the innermost frame of the service's own code (`isOwn`: not the runtime,
    /// the standard library, a dependency or the kernel); the one most weight went through that way, with the share of
    /// it, and the frame it called most in those stacks when that one is not its own (the library function it spent
    /// it in). `nil` when no stack has a frame of the service's own.
    public func placeToAct(isOwn: (String) -> Bool) -> CPUProfile.PlaceToAct? {
        let total = self.total
        guard total > 0 else { return nil }
        var through: [String: Double] = [:]
        var callees: [String: [String: Double]] = [:]
        for stack in stacks {
            guard let index = stack.frames.lastIndex(where: isOwn) else { continue }
            let frame = stack.frames[index]
            through[frame, default: 0] += stack.weight
            if index + 1 < stack.frames.count {
                callees[frame, default: [:]][stack.frames[index + 1], default: 0] += stack.weight
            }
        }
        guard let best = through.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return nil }
        let callee = callees[best.key]?.max { ($0.value, $1.key) < ($1.value, $0.key) }
        return CPUProfile.PlaceToAct(
            name: best.key, share: best.value / total, calls: callee?.key,
            callShare: callee.map { $0.value / total })
    }
}
