import Foundation

/// The one way Tuner tells the user something. stdout holds what a command produces (a report, a
/// configuration, JSON: pasteable); everything for the human goes to stderr, one line at a time.
public enum Console {
    /// A line for the human on stderr (a newline is added when missing).
    public static func note(_ text: String) {
        write(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// `Error: …` on stderr: how every failure reads.
    public static func error(_ message: String) {
        note("Error: \(message)")
    }

    /// Raw text on stderr (the progress line rewrites itself with `\r`).
    public static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// What the command produces, on stdout.
    public static func output(_ text: String) {
        output(Data(text.utf8))
    }

    /// Bytes the command produces (a result file), on stdout.
    public static func output(_ data: Data) {
        FileHandle.standardOutput.write(data)
    }
}
