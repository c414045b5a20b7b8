/// One thing Tuner found, with the numbers behind it and the fix to paste.
///
/// Every producer (the doctor, `tuner run`, the advisor, the config diff) speaks in findings so
/// that the report, the exit code (`--fail-on`) and the demo treat them alike.
public struct Finding: Codable, Sendable, Hashable {
    /// Stable identifier, kebab-case (`missing-fk-index`, `n-plus-one`); tests and `--fail-on` rely on it.
    public var id: String
    public var severity: Severity
    /// The object concerned: `public.orders (customer_id)`, a query id, a setting name.
    public var object: String
    /// One line a human reads first.
    public var title: String
    /// The numbers that support the finding, in the order a reader wants them.
    public var evidence: [Evidence]
    /// Why it matters, in one sentence.
    public var why: String
    /// SQL or a setting to paste; `nil` only when there is nothing to paste (then `why` says what to do).
    public var fix: String?
    /// Which part of Tuner produced it: `check`, `run`, `advise`, `config`.
    public var source: String

    public init(
        id: String, severity: Severity, object: String, title: String, evidence: [Evidence] = [],
        why: String, fix: String? = nil, source: String
    ) {
        self.id = id
        self.severity = severity
        self.object = object
        self.title = title
        self.evidence = evidence
        self.why = why
        self.fix = fix
        self.source = source
    }

    /// One measured fact: a name, its value as printed, and the raw number where there is one.
    public struct Evidence: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
        public var number: Double?

        public init(_ name: String, _ value: String, number: Double? = nil) {
            self.name = name
            self.value = value
            self.number = number
        }

        public init(_ name: String, _ number: Double, unit: String = "") {
            self.name = name
            let printed = number == number.rounded() && abs(number) < 1e15
                ? String(Int64(number)) : String((number * 100).rounded() / 100)
            self.value = unit.isEmpty ? printed : "\(printed) \(unit)"
            self.number = number
        }
    }

    /// The evidence value named `name`, if present.
    public func evidence(named name: String) -> Evidence? { evidence.first { $0.name == name } }
}
