import ArgumentParser

extension ExitCode {
    /// A threshold or `--fail-on` level was crossed (the k6 convention).
    static let thresholdsCrossed = ExitCode(99)
    /// Bad command-line input (EX_USAGE).
    static let usage = ExitCode(64)
}

/// A runtime failure printed as one line (`Error: …`) with exit code 1.
struct RuntimeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
