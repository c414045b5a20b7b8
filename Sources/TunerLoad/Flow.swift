import Foundation

/// A workload's traffic as a user's sequence of steps (the YAML's `flow:`) instead of a weighted mix: each
/// iteration runs the steps in order, carrying what it captured from one response into the next request.
///
/// In the open model the rate counts iterations per second; in the closed model each connection is a virtual
/// user running iterations back to back. A capture that finds nothing or an expectation that fails ends the
/// iteration: its remaining steps are not sent and are counted as skipped.
public struct Flow: Sendable {
    public var steps: [FlowStep]
    /// Runs once before the load (a login); what it captures every iteration sees.
    public var setup: [FlowStep]
    /// Rows for `${data.COLUMN}`: each iteration takes the next row, round robin.
    public var data: DataTable?
    /// Keep a cookie jar per iteration (`Set-Cookie` in, `Cookie` out).
    public var cookies: Bool

    public init(steps: [FlowStep], setup: [FlowStep] = [], data: DataTable? = nil, cookies: Bool = true) {
        self.steps = steps
        self.setup = setup
        self.data = data
        self.cookies = cookies
    }
}

/// One step of a flow: a request, what to take from its response, what it must look like, and a pause after.
public struct FlowStep: Sendable {
    /// The request (its `weight` is unused in a flow); path, headers and body may use `${NAME}` from earlier
    /// captures, `${data.COLUMN}`, `${uuid}`, `${random:A..B}` and `${ENV}`.
    public var request: RequestTemplate
    public var captures: [Capture]
    public var expectation: Expectation?
    public var think: ThinkTime?
    /// Where the step was written (`shop.yaml:14`), for errors found when the plan is built.
    public var location: String?

    public init(
        request: RequestTemplate, captures: [Capture] = [], expectation: Expectation? = nil, think: ThinkTime? = nil,
        location: String? = nil
    ) {
        self.request = request
        self.captures = captures
        self.expectation = expectation
        self.think = think
        self.location = location
    }
}

/// A value taken from a response into a variable.
public struct Capture: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A JSONPath subset: `$.a.b[0].id`.
        case json(JSONPath)
        /// A response header (the first of that name, case-insensitive).
        case header(String)
        /// The first group of a regular expression over the body.
        case regex(String)
    }

    public var source: Source
    /// The variable's name: `${NAME}` in later steps.
    public var name: String

    public init(_ source: Source, as name: String) {
        self.source = source
        self.name = name
    }

    /// How the capture reads in a reason (`$.token`, `header Location`, `regex id=(\d+)`).
    var sourceDescription: String {
        switch source {
        case .json(let path): path.text
        case .header(let name): "header \(name)"
        case .regex(let pattern): "regex \(pattern)"
        }
    }
}

/// Dotted keys and array indexes from the root: `$.order.items[0].id`.
public struct JSONPath: Sendable, Hashable {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public let components: [Component]
    public let text: String

    /// Parses `$.a.b[0].c` (the leading `$` is optional; keys may be quoted as `['a b']`).
    public init(parsing text: String) throws(LoadError) {
        var rest = Substring(text.trimmingCharacters(in: " "))
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        var components: [Component] = []
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "." && $0 != "[" }
                guard !key.isEmpty else { throw LoadError("bad JSON path '\(text)': a '.' must be followed by a key") }
                components.append(.key(String(key)))
                rest = rest.dropFirst(key.count)
            } else if first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw LoadError("bad JSON path '\(text)': unclosed '['") }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                if let index = Int(inner), index >= 0 {
                    components.append(.index(index))
                } else if inner.count >= 2, let quote = inner.first, quote == "'" || quote == "\"", inner.last == quote {
                    components.append(.key(String(inner.dropFirst().dropLast())))
                } else {
                    throw LoadError("bad JSON path '\(text)': '[\(inner)]' is neither an index nor a quoted key")
                }
                rest = rest[rest.index(after: close)...]
            } else if components.isEmpty {
                // `token` or `a.b` without `$.`: read as `$.token`.
                rest = "." + rest
            } else {
                throw LoadError("bad JSON path '\(text)': expected '.' or '[' at '\(rest)'")
            }
        }
        guard !components.isEmpty else { throw LoadError("bad JSON path '\(text)': it names nothing (use $.key)") }
        self.components = components
        self.text = text
    }
}

/// What a step's response must be for the iteration to go on.
public struct Expectation: Sendable, Hashable {
    /// Accepted status codes; `nil`: any.
    public var statuses: [Int]?
    /// Text the body must contain.
    public var contains: String?

    public init(statuses: [Int]? = nil, contains: String? = nil) {
        self.statuses = statuses
        self.contains = contains
    }
}

/// A pause after a step: fixed, or uniform between two durations (`1s..3s`).
public struct ThinkTime: Sendable, Hashable {
    public var lower: Duration
    public var upper: Duration

    public init(lower: Duration, upper: Duration) {
        self.lower = lower
        self.upper = upper
    }
}

/// A CSV file's rows, read once: a header row names the columns.
public struct DataTable: Sendable {
    public let columns: [String]
    public let rows: [[String]]
    /// The file it came from, for messages.
    public let source: String

    public init(columns: [String], rows: [[String]], source: String) {
        self.columns = columns
        self.rows = rows
        self.source = source
    }

    /// Reads a CSV file (RFC 4180: commas, double-quoted fields with `""` for a quote, CRLF or LF).
    public init(csvFile path: String) throws(LoadError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw LoadError("cannot read the data file \(path): no such file or not readable")
        }
        let records = Self.parseCSV(text)
        guard let header = records.first, !header.isEmpty, header.allSatisfy({ !$0.isEmpty }) else {
            throw LoadError("\(path): the first row must name the columns")
        }
        guard Set(header).count == header.count else { throw LoadError("\(path): two columns have the same name") }
        let rows = Array(records.dropFirst())
        guard !rows.isEmpty else { throw LoadError("\(path): no rows after the header") }
        for (number, row) in rows.enumerated() where row.count != header.count {
            throw LoadError("\(path): row \(number + 2) has \(row.count) fields; the header has \(header.count)")
        }
        self.init(columns: header, rows: rows, source: path)
    }

    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var fieldStarted = false
        var characters = text.makeIterator()
        var pending: Character?
        while let character = pending ?? characters.next() {
            pending = nil
            if inQuotes {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { inQuotes = false; pending = next }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty:
                inQuotes = true
                fieldStarted = true
            case ",":
                record.append(field)
                field = ""
                fieldStarted = true
            case "\n", "\r\n", "\r":
                if fieldStarted || !field.isEmpty || !record.isEmpty {
                    record.append(field)
                    records.append(record)
                }
                record = []
                field = ""
                fieldStarted = false
            default:
                field.append(character)
                fieldStarted = true
            }
        }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
