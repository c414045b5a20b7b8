import CompressNIO
import Foundation
import Histogram
import NIOCore

/// The standard HdrHistogram V2 encoding, compressed and base64'd (the `HISTFAAA…` strings).
///
/// Java's `HistogramLogReader`, HdrHistogram.js and hdr-plot read what this writes, and this
/// reads theirs, provided the histogram fits the latency bounds (1 µs .. 60 s).
/// Layout (big-endian): compressed cookie, compressed length, zlib stream of
/// [cookie, payload length, normalizing offset, significant digits, lowest, highest,
/// int-to-double ratio, ZigZag-LEB128 counts with negative runs of zeros].
public enum HistogramCodec {
    static let v2Cookie: UInt32 = 0x1c84_9313
    static let v2CompressedCookie: UInt32 = 0x1c84_9314

    public struct DecodingError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Encodes to the compressed, base64 V2 form.
    public static func encode(_ histogram: LatencyHistogram) -> String {
        let layout = BucketLayout(lowest: histogram.lowestDiscernibleValue,
                                  digits: UInt8(histogram.numberOfSignificantValueDigits.rawValue))
        var counts: [UInt64] = []
        for item in histogram.recordedValues() {
            let index = layout.countsIndex(for: item.value)
            if index >= counts.count { counts.append(contentsOf: repeatElement(0, count: index + 1 - counts.count)) }
            counts[index] += UInt64(item.count)
        }
        var payload = ByteBuffer()
        var zeros = 0
        for count in counts {
            if count == 0 { zeros += 1; continue }
            if zeros > 0 { putZigZag(-Int64(zeros), into: &payload); zeros = 0 }
            putZigZag(Int64(clamping: count), into: &payload)
        }
        var plain = ByteBuffer()
        plain.writeInteger(v2Cookie)
        plain.writeInteger(UInt32(payload.readableBytes))
        plain.writeInteger(UInt32(0))
        plain.writeInteger(UInt32(histogram.numberOfSignificantValueDigits.rawValue))
        plain.writeInteger(histogram.lowestDiscernibleValue)
        plain.writeInteger(histogram.highestTrackableValue)
        plain.writeInteger((1.0 as Double).bitPattern)
        plain.writeBuffer(&payload)
        // zlib never fails on in-memory input with a buffer sized by `maxSize`.
        let compressed = (try? plain.compress(with: .zlib())) ?? ByteBuffer()
        var out = ByteBuffer()
        out.writeInteger(v2CompressedCookie)
        out.writeInteger(UInt32(compressed.readableBytes))
        out.writeImmutableBuffer(compressed)
        return Data(out.readableBytesView).base64EncodedString()
    }

    /// Decodes a compressed base64 V2 histogram into a latency histogram.
    public static func decode(_ text: String) throws(DecodingError) -> LatencyHistogram {
        guard let bytes = Data(base64Encoded: text.trimmingWhitespace()) else { throw DecodingError(description: "histogram is not valid base64") }
        var outer = ByteBuffer(bytes: bytes)
        guard let cookie = outer.readInteger(as: UInt32.self), let length = outer.readInteger(as: UInt32.self) else {
            throw DecodingError(description: "histogram is truncated")
        }
        guard cookie & 0xffff_ff00 == v2CompressedCookie & 0xffff_ff00 else {
            throw DecodingError(description: "not a compressed V2 HdrHistogram (cookie \(String(cookie, radix: 16)))")
        }
        guard var compressed = outer.readSlice(length: Int(length)) else {
            throw DecodingError(description: "histogram is truncated")
        }
        var plain: ByteBuffer
        do {
            plain = try compressed.decompress(with: .zlib())
        } catch {
            throw DecodingError(description: "histogram payload is not a valid zlib stream")
        }
        guard let innerCookie = plain.readInteger(as: UInt32.self),
              innerCookie & 0xffff_ff00 == v2Cookie & 0xffff_ff00,
              let payloadLength = plain.readInteger(as: UInt32.self),
              let offset = plain.readInteger(as: UInt32.self),
              let digits = plain.readInteger(as: UInt32.self),
              let lowest = plain.readInteger(as: UInt64.self),
              let _ = plain.readInteger(as: UInt64.self),
              let _ = plain.readInteger(as: UInt64.self),
              var payload = plain.readSlice(length: Int(payloadLength))
        else { throw DecodingError(description: "histogram header is malformed") }
        guard offset == 0 else { throw DecodingError(description: "normalized histograms are not supported") }
        guard lowest >= 1, digits <= 5 else { throw DecodingError(description: "histogram header is out of range") }
        let layout = BucketLayout(lowest: lowest, digits: UInt8(digits))
        var histogram = LatencyHistogram.makeLatency()
        var index = 0
        while payload.readableBytes > 0 {
            guard let value = readZigZag(from: &payload) else {
                throw DecodingError(description: "histogram counts are truncated")
            }
            if value < 0 {
                guard value > -(1 << 40) else { throw DecodingError(description: "histogram zero run out of range") }
                index += Int(-value)
            } else {
                if value > 0 {
                    // The bucket's highest equivalent value: percentiles then read as Java's decoder reads them.
                    let v = histogram.highestEquivalentForValue(Swift.max(layout.value(at: index), 1))
                    _ = histogram.record(Swift.min(v, LatencyHistogram.latencyCeilingMicros), count: UInt64(value))
                }
                index += 1
            }
        }
        return histogram
    }

    // MARK: - bucket arithmetic, as in HdrHistogram's AbstractHistogram

    struct BucketLayout {
        let unitMagnitude: Int
        let subBucketHalfCountMagnitude: Int
        let subBucketHalfCount: Int
        let subBucketMask: UInt64
        let leadingZeroCountBase: Int

        init(lowest: UInt64, digits: UInt8) {
            unitMagnitude = Int(log2(Double(lowest)).rounded(.down))
            var largest: UInt64 = 2
            for _ in 0..<digits { largest *= 10 }
            let subBucketCountMagnitude = Int(log2(Double(largest)).rounded(.up))
            subBucketHalfCountMagnitude = Swift.max(subBucketCountMagnitude, 1) - 1
            let subBucketCount = 1 << (subBucketHalfCountMagnitude + 1)
            subBucketHalfCount = subBucketCount / 2
            subBucketMask = UInt64(subBucketCount - 1) << unitMagnitude
            leadingZeroCountBase = 64 - unitMagnitude - subBucketHalfCountMagnitude - 1
        }

        func countsIndex(for value: UInt64) -> Int {
            let bucketIndex = leadingZeroCountBase - (value | subBucketMask).leadingZeroBitCount
            let subBucketIndex = Int(value >> UInt64(bucketIndex + unitMagnitude))
            return ((bucketIndex + 1) << subBucketHalfCountMagnitude) + (subBucketIndex - subBucketHalfCount)
        }

        func value(at index: Int) -> UInt64 {
            var bucketIndex = (index >> subBucketHalfCountMagnitude) - 1
            var subBucketIndex = (index & (subBucketHalfCount - 1)) + subBucketHalfCount
            if bucketIndex < 0 {
                subBucketIndex -= subBucketHalfCount
                bucketIndex = 0
            }
            return UInt64(subBucketIndex) << UInt64(bucketIndex + unitMagnitude)
        }
    }

    // MARK: - ZigZag LEB128 (HdrHistogram's ZigZagEncoding: at most 9 bytes, the 9th holds 8 bits)

    static func putZigZag(_ value: Int64, into buffer: inout ByteBuffer) {
        var v = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        for _ in 0..<8 {
            if v >> 7 == 0 {
                buffer.writeInteger(UInt8(v))
                return
            }
            buffer.writeInteger(UInt8(v & 0x7f | 0x80))
            v >>= 7
        }
        buffer.writeInteger(UInt8(truncatingIfNeeded: v))
    }

    static func readZigZag(from buffer: inout ByteBuffer) -> Int64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for i in 0..<9 {
            guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
            if i == 8 {
                result |= UInt64(byte) << 56
                break
            }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (result >> 1) ^ (0 &- (result & 1)))
    }
}
