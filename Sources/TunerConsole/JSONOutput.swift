import Foundation

/// A command's result as JSON: to a file (written atomically) or to stdout (`-`).
public enum JSONOutput {
    public static func write(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(value)
        if path == "-" {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ToolError.runtime("cannot write \(path): \(error.localizedDescription)")
        }
        Console.note("wrote \(path)")
    }
}
