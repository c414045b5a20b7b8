/// Reads Protocol Buffers' wire format (varints, length-delimited fields) field by field: enough to decode
/// pprof's profile.proto without a generated schema.
struct ProtobufReader {
    /// One field: its number and its value, a varint or the bytes of a length-delimited field.
    enum Value {
        case varint(UInt64)
        case bytes(ArraySlice<UInt8>)
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    var isAtEnd: Bool { index >= bytes.endIndex }

    /// The next field, skipping fixed-width ones (profile.proto has none).
    mutating func next() throws(Malformed) -> (number: Int, value: Value)? {
        while !isAtEnd {
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: return (number, .varint(try varint()))
            case 1: try skip(8)
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.endIndex - index) else { throw Malformed(description: "a field runs past the end") }
                let start = index
                index += Int(length)
                return (number, .bytes(bytes[start..<index]))
            case 5: try skip(4)
            default: throw Malformed(description: "wire type \(key & 7) is not one protobuf has")
            }
        }
        return nil
    }

    mutating func varint() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw Malformed(description: "a varint longer than 10 bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw Malformed(description: "a varint runs past the end")
    }

    private mutating func skip(_ count: Int) throws(Malformed) {
        guard bytes.endIndex - index >= count else { throw Malformed(description: "a fixed-width field runs past the end") }
        index += count
    }

    /// A repeated integer field's values, packed (one length-delimited run) or not (one varint).
    static func integers(_ value: Value) throws(Malformed) -> [UInt64] {
        switch value {
        case .varint(let v): return [v]
        case .bytes(let run):
            var reader = ProtobufReader(run)
            var out: [UInt64] = []
            while !reader.isAtEnd { out.append(try reader.varint()) }
            return out
        }
    }
}
