import Foundation

/// One share of a load plan run by several generators side by side: shard `index` (0-based) of `count`.
///
/// A shard takes every `count`-th event of the plan's schedule starting at its `index`, so the shares add up to the
/// whole at every instant; connections (and any other count) are split with the remainder spread over the first
/// shards.
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Reads `I/N`, e.g. `0/4` (the first of four).
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let count = Int(parts[1].trimmingCharacters(in: .whitespaces))
        else { throw ParseError("'\(text)' is not a shard; write I/N, e.g. 0/4 for the first of four") }
        guard count >= 1 else { throw ParseError("shard '\(text)': the number of shards must be at least 1") }
        guard index >= 0 && index < count else {
            throw ParseError("shard '\(text)': the index counts from 0, so it must be between 0 and \(count - 1)")
        }
        self.init(index: index, count: count)
    }

    /// This shard's part of `total` things (connections, virtual users): `total / count`, plus one for the first
    /// `total % count` shards.
    public func portion(of total: Int) -> Int {
        total > index ? (total - index + count - 1) / count : 0
    }

    public var description: String { "\(index)/\(count)" }
}

/// What a shard's result records of its place in the whole: which shard, of which plan, and when it started against
/// the common clock.
public struct ShardRecord: Codable, Sendable, Equatable {
    public var index: Int
    public var count: Int
    /// The plan's fingerprint: the scenario as read and every option that shapes the load (the shard and the start
    /// time aside). Shards of one test share it; `tuner merge` refuses results whose fingerprints differ.
    public var plan: String
    /// The common time zero of every shard's schedule and per-second series, when one was given.
    public var startAt: Date?
    /// How long after `startAt` this shard's event loops actually started, in ms (by this machine's clock).
    public var startSkewMilliseconds: Double?

    public init(shard: Shard, plan: String, startAt: Date?, startSkewMilliseconds: Double? = nil) {
        index = shard.index
        count = shard.count
        self.plan = plan
        self.startAt = startAt
        self.startSkewMilliseconds = startSkewMilliseconds
    }

    public var shard: Shard { Shard(index: index, count: count) }
}

/// A point in time as given on the command line: Unix seconds (`1764800000`, `1764800000.5`) or RFC 3339
/// (`2026-12-04T17:00:00Z`, `2026-12-04T18:00:00.250+01:00`).
public enum StartTime {
    public static func parse(_ text: String) throws(ParseError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, seconds > 0 { return Date(timeIntervalSince1970: seconds) }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = plain.date(from: trimmed) ?? fractional.date(from: trimmed) { return date }
        throw ParseError("'\(text)' is not a time; give Unix seconds (1764800000) or RFC 3339 (2026-12-04T17:00:00Z)")
    }
}
