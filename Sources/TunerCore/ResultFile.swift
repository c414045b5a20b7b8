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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return try encoder.encode(result)
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
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
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
}
