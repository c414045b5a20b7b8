/// Every way a command can end other than success, with its category; `tuner` maps it to the exit code and
/// prints its message once, at the top (`Error: …`).
public struct ToolError: Error, CustomStringConvertible, Sendable {
    public enum Category: Sendable {
        /// Bad command-line input (EX_USAGE, 64).
        case usage
        /// Something the command needed failed: a target or a database unreachable, a file unreadable (1).
        case runtime
        /// A threshold, an SLO or a `--fail-on` level was crossed (99, the k6 convention); already reported.
        case thresholdsCrossed
        /// Interrupted by a signal (130); what was measured has been written.
        case interrupted
        /// A command-specific status (`tuner postgres status`: 3, not running, as `pg_ctl status` says).
        case status(Int32)
    }

    public var category: Category
    /// The one line to print; nil when the command has said everything already.
    public var message: String?

    public init(_ category: Category, _ message: String? = nil) {
        self.category = category
        self.message = message
    }

    public static func usage(_ message: String) -> ToolError { ToolError(.usage, message) }
    public static func runtime(_ message: String) -> ToolError { ToolError(.runtime, message) }
    public static let thresholdsCrossed = ToolError(.thresholdsCrossed)
    public static let interrupted = ToolError(.interrupted)

    public var exitCode: Int32 {
        switch category {
        case .usage: 64
        case .runtime: 1
        case .thresholdsCrossed: 99
        case .interrupted: 130
        case .status(let code): code
        }
    }

    public var description: String { message ?? "exit \(exitCode)" }
}
