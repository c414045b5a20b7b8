import Foundation

extension ResultFile {
    /// What starts the one line a coordinated shard prints its result on (`tuner load --await-start`): a log
    /// collector (`kubectl logs`, a process's stdout) finds it among whatever else the shard printed.
    public static let linePrefix = "tuner-result "

    /// The result as one log line: the prefix, then its compact JSON in base64 (no newline or brace can break it).
    public static func encodeLine(_ result: LoadResult) throws(Error) -> String {
        do {
            return linePrefix + (try makeEncoder(pretty: false).encode(result)).base64EncodedString()
        } catch {
            throw Error(description: "cannot encode the result: \(error)")
        }
    }

    /// The result in a shard's log (the last result line, if it printed several); `nil` when the log has none.
    /// A line that is there but unreadable (a log cut short) is an error naming `source`.
    public static func decodeLine(in log: String, source: String) throws(Error) -> LoadResult? {
        guard let line = log.split(separator: "\n").last(where: { $0.hasPrefix(linePrefix) }) else { return nil }
        let encoded = line.dropFirst(linePrefix.count).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: encoded) else {
            throw Error(description: "\(source): its result line is cut short or damaged (\(encoded.count) characters)")
        }
        do {
            return try makeDecoder().decode(LoadResult.self, from: data)
        } catch {
            throw Error(description: "\(source): its result line is not a Tuner result (\(error))")
        }
    }
}
