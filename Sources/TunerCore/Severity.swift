/// How much a finding matters; ordered so that `critical > warning > info`.
public enum Severity: String, Codable, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case info
    case warning
    case critical

    public var description: String { rawValue }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }
}
