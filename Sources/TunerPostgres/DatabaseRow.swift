import Foundation
import PostgresNIO

/// One value from a result row, decoded by its PostgreSQL type.
public enum DatabaseValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bool(Bool)
    case date(Date)

    public var int: Int64? {
        switch self {
        case .int(let v): v
        case .double(let v): v.isFinite ? Int64(v) : nil
        case .text(let s): Int64(s)
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let v): Double(v)
        case .double(let v): v
        case .text(let s): Double(s)
        default: nil
        }
    }

    public var string: String? {
        switch self {
        case .null: nil
        case .text(let s): s
        default: description
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let b): b
        case .int(let v): v != 0
        case .text(let s): ["t", "true", "on", "1"].contains(s.lowercased())
        default: nil
        }
    }

    public var date: Date? {
        if case .date(let d) = self { return d }
        return nil
    }

    public var isNull: Bool { self == .null }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let v): String(v)
        case .double(let v): String(v)
        case .text(let s): s
        case .bool(let b): b ? "true" : "false"
        case .date(let d): ISO8601DateFormatter().string(from: d)
        }
    }
}

/// A result row with access by column name.
public struct DatabaseRow: Sendable {
    public let columns: [String]
    public let values: [DatabaseValue]

    init(_ row: PostgresRow) {
        var columns: [String] = []
        var values: [DatabaseValue] = []
        for cell in row {
            columns.append(cell.columnName)
            values.append(Self.decode(cell))
        }
        self.columns = columns
        self.values = values
    }

    public init(columns: [String], values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    public subscript(_ column: String) -> DatabaseValue {
        guard let i = columns.firstIndex(of: column) else { return .null }
        return values[i]
    }

    public func string(_ column: String) -> String? { self[column].string }
    public func int(_ column: String) -> Int64? { self[column].int }
    public func double(_ column: String) -> Double? { self[column].double }
    public func bool(_ column: String) -> Bool? { self[column].bool }
    public func date(_ column: String) -> Date? { self[column].date }

    private static func decode(_ cell: PostgresCell) -> DatabaseValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(DatabaseValue.int) ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(DatabaseValue.double) ?? .null
        case .numeric:
            if let d = try? cell.decode(Decimal.self) { return .double(NSDecimalNumber(decimal: d).doubleValue) }
            return .null
        case .bool:
            return (try? cell.decode(Bool.self)).map(DatabaseValue.bool) ?? .null
        case .timestamptz, .timestamp, .date:
            return (try? cell.decode(Date.self)).map(DatabaseValue.date) ?? .null
        default:
            if let s = try? cell.decode(String.self) { return .text(s) }
            if var bytes = cell.bytes, cell.format == .text, let s = bytes.readString(length: bytes.readableBytes) {
                return .text(s)
            }
            return .null
        }
    }
}
