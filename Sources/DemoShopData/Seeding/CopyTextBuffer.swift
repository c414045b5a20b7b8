import NIOCore

/// Builds rows in PostgreSQL's COPY text format (tab-separated, newline-terminated, backslash escapes)
/// without going through `String` interpolation for numbers and timestamps: the seeder writes
/// millions of fields.
struct CopyTextBuffer {
    private(set) var buffer: ByteBuffer
    private var fieldsInRow = 0

    init(capacity: Int = 1 << 18) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    var byteCount: Int { buffer.readableBytes }

    /// Hands out the bytes written so far and starts afresh.
    mutating func take() -> ByteBuffer {
        let full = buffer
        buffer = ByteBufferAllocator().buffer(capacity: full.capacity)
        return full
    }

    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        fieldsInRow = 0
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    mutating func append(_ value: Int) {
        separate()
        appendDigits(value)
    }

    /// Text, escaped for the COPY text format (backslash, tab, newline, carriage return).
    mutating func append(_ text: String) {
        separate()
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    /// Words joined by spaces (generated text: no character needs escaping).
    mutating func append(words: StaticString...) {
        separate()
        for (index, word) in words.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: " ")) }
            buffer.writeStaticString(word)
        }
    }

    /// `count` words drawn from `vocabulary`, joined by spaces, without building an array per row.
    mutating func append(randomWords count: Int, from vocabulary: [StaticString], using random: inout SplitMix64) {
        separate()
        for index in 0..<count {
            if index > 0 { buffer.writeInteger(UInt8(ascii: " ")) }
            buffer.writeStaticString(random.pick(vocabulary))
        }
    }

    /// A `timestamptz` in UTC, `YYYY-MM-DD HH:MM:SS+00`, from seconds since 1970.
    mutating func append(timestamp secondsSinceEpoch: Int) {
        separate()
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400
        let secondOfDay = secondsSinceEpoch - days * 86_400
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        appendPadded(year, width: 4)
        buffer.writeInteger(UInt8(ascii: "-"))
        appendPadded(month, width: 2)
        buffer.writeInteger(UInt8(ascii: "-"))
        appendPadded(day, width: 2)
        buffer.writeInteger(UInt8(ascii: " "))
        appendPadded(secondOfDay / 3600, width: 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 3600 / 60, width: 2)
        buffer.writeInteger(UInt8(ascii: ":"))
        appendPadded(secondOfDay % 60, width: 2)
        buffer.writeStaticString("+00")
    }

    private mutating func appendDigits(_ value: Int) {
        if value < 0 {
            buffer.writeInteger(UInt8(ascii: "-"))
            appendDigits(-value)
            return
        }
        if value >= 10 { appendDigits(value / 10) }
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 1 && value < divisor {
            buffer.writeInteger(UInt8(ascii: "0"))
            divisor /= 10
        }
        appendDigits(value)
    }

    /// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
