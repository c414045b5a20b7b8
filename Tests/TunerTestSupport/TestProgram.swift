import Foundation

/// Runs a helper program a test needs (`openssl`, `pg_config`) to its end.
public enum TestProgram {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// The program's trimmed standard output; throws with its standard error when it exits non-zero.
    @discardableResult
    public static func run(_ path: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes are read to their ends before waiting (standard error on a GCD thread, never one of the
        // cooperative pool's), so that a full pipe never blocks the program.
        let message = LockedBox(Data())
        let readingErrors = DispatchGroup()
        DispatchQueue.global().async(group: readingErrors) { message.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        readingErrors.wait()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(description: "\(path) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: message.get(), as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
