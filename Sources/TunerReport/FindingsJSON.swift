import Foundation
import TunerCore

/// Findings (or any report holding them) as JSON: pretty, keys sorted, ISO 8601 dates, so that files
/// diff well and other tools read them.
public enum FindingsJSON {
    /// The encoder every findings document uses.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// `value` as UTF-8 JSON text ending in a newline.
    public static func render<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try makeEncoder().encode(value), as: UTF8.self) + "\n"
    }

    /// A bare list of findings as JSON (`{"findings": [...]}`).
    public static func render(_ findings: [Finding]) throws -> String {
        struct Document: Encodable { var findings: [Finding] }
        return try render(Document(findings: findings))
    }
}
