import Foundation

/// Reading and writing result JSON files with clear errors.
public enum ResultFile {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Writes a result as pretty, key-sorted JSON (atomically: a reader never sees half a file).
    public static func write(_ result: LoadResult, to path: String) throws(Error) {
        let data = try encode(result)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw Error(description: "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// The JSON `write` stores, for writing elsewhere (stdout).
    public static func encode(_ result: LoadResult) throws(Error) -> Data {
        do {
            return try makeEncoder(pretty: true).encode(result)
        } catch {
            throw Error(description: "cannot encode the result: \(error)")
        }
    }

    /// Reads a result; refuses files from a newer schema and non-result JSON with a one-line message.
    public static func read(_ path: String) throws(Error) -> LoadResult {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Error(description: "cannot read \(path): no such file or not readable")
        }
        struct Version: Decodable { var schemaVersion: Int? }
        let decoder = makeDecoder()
        guard let version = try? decoder.decode(Version.self, from: data) else {
            throw Error(description: "\(path) is not JSON")
        }
        guard let schema = version.schemaVersion else {
            throw Error(description: "\(path) is not a tuner result (no schemaVersion)")
        }
        guard schema <= LoadResult.currentSchemaVersion else {
            throw Error(description: "\(path) has schema version \(schema); this tuner reads up to \(LoadResult.currentSchemaVersion) — upgrade tuner")
        }
        do {
            return try decoder.decode(LoadResult.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw Error(description: "\(path) is not a complete tuner result: missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw Error(description: "\(path) is not a valid tuner result: \(error)")
        }
    }

    /// The one JSON form of results: ISO 8601 dates, sorted keys; pretty for files, compact for a log line.
    static func makeEncoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
