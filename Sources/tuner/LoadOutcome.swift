import ArgumentParser
import Foundation
import TunerCore

/// Decisions `tuner load` and `tuner merge` share: reading `--threshold`, and when a finished run
/// is still a failure.
enum LoadOutcome {
    /// Parses `p95 < 100ms` (scope `all`) or `NAME: p95 < 100ms`.
    static func parseThreshold(_ text: String) throws(ParseError) -> Threshold {
        let operators = ["<", ">", "="]
        if let colon = text.firstIndex(of: ":"),
           !text[..<colon].contains(where: { operators.contains(String($0)) })
        {
            let scope = text[..<colon].trimmingCharacters(in: .whitespaces)
            return try Threshold(scope: scope.isEmpty ? "all" : scope, parsing: String(text[text.index(after: colon)...]))
        }
        return try Threshold(scope: "all", parsing: text)
    }

    /// A message when not one request got an HTTP response (every one refused, reset, timed out
    /// or answered with garbage): the run measured the failure, not the service.
    static func noResponse(_ result: LoadResult) -> String? {
        let overall = result.overall
        guard overall.count > 0, overall.statusCodes.isEmpty else { return nil }
        let kinds = overall.errors.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var message = "no request got an HTTP response from \(result.configuration.target) (\(kinds))"
        if let note = result.notes.first(where: { $0.contains("not valid HTTP") }) { message += "; \(note)" }
        return message
    }

    /// Prints a one-line input error and returns the usage exit code (64) to throw.
    static func usageFailure(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        return .usage
    }
}
