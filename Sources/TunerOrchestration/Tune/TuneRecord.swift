import Foundation
import TunerCore

/// `tune.json` in the output directory: every step of a tune — what it changed, whether it was kept and why, the
/// capacity before and after with their intervals — and the state the service and the database were left in. Written
/// after every step, so that an interrupted tune resumes where it stopped (`--resume`) and nothing measured is lost.
public struct TuneRecord: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public enum Kind: String, Codable, Sendable {
            case baseline, index, setting, knob, code
        }

        /// A short name: `baseline`, `index on orders (customer_id)`, `DB_MAX_OPEN_CONNS`.
        public var name: String
        public var kind: Kind
        /// What was changed: the SQL, `name: old → new`, `NAME=value`, or the user's words for a code change.
        public var change: String?
        public var kept: Bool
        public var reason: String
        public var capacityBefore: Double?
        public var capacityAfter: Double?
        public var intervalBefore: CapacityInterval?
        public var intervalAfter: CapacityInterval?
        /// The step's measured result, relative to the output directory (`steps/2-index.json`).
        public var result: String?

        public init(name: String, kind: Kind, change: String?, kept: Bool, reason: String,
                    before: CapacityResult?, after: CapacityResult?, result: String?) {
            self.name = name
            self.kind = kind
            self.change = change
            self.kept = kept
            self.reason = reason
            capacityBefore = before?.maxSustainableRate
            capacityAfter = after?.maxSustainableRate
            intervalBefore = before?.interval
            intervalAfter = after?.interval
            self.result = result
        }
    }

    /// What a tune leaves behind: the service's settings as chosen, the indexes it created and kept, the database
    /// settings it changed and kept.
    public struct Final: Codable, Sendable, Equatable {
        public var env: [String: String]
        public var indexes: [String]
        public var settings: [String: String]

        public init(env: [String: String] = [:], indexes: [String] = [], settings: [String: String] = [:]) {
            self.env = env
            self.indexes = indexes
            self.settings = settings
        }
    }

    /// A change being tried when the record was written: on `--resume` it is rolled back first (it was neither
    /// judged nor kept).
    public struct InFlight: Codable, Sendable, Equatable {
        public var name: String
        /// SQL or `ALTER SYSTEM RESET …` that undoes it; `nil` for a service setting (the service restarts with the
        /// kept values anyway).
        public var undo: String?
    }

    public var tool: String
    public var file: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// True when changes were made (`--apply`); false for a plan only.
    public var applied: Bool
    public var steps: [Step]
    public var final: Final
    public var inFlight: InFlight?
    /// The changes Tuner cannot make (code: an N+1, caching, pagination), for the user, each with its evidence.
    public var nextSteps: [String]

    public init(file: String, applied: Bool, final: Final) {
        tool = "tuner \(TunerVersion.current)"
        self.file = file
        startedAt = Date()
        self.applied = applied
        steps = []
        self.final = final
        nextSteps = []
    }

    /// The last step whose state is kept: the last kept change, else the baseline (whose `after` is its measurement).
    public var lastKept: Step? {
        steps.last { $0.kept || $0.kind == .baseline }
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func read(from path: String) throws -> TuneRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(TuneRecord.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
