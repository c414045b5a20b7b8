import CompressNIO
import NIOCore

/// Compressed bytes inflated (gzip or raw deflate), `nil` when they are not what they say: response bodies with a
/// `Content-Encoding`, and pprof profiles (gzip).
public enum Inflate {
    public static func gzip(_ bytes: ArraySlice<UInt8>) -> [UInt8]? { inflate(bytes, with: .gzip()) }

    public static func deflate(_ bytes: ArraySlice<UInt8>) -> [UInt8]? { inflate(bytes, with: .deflate()) }

    private static func inflate(_ bytes: ArraySlice<UInt8>, with algorithm: CompressionAlgorithm) -> [UInt8]? {
        var buffer = ByteBuffer(bytes: bytes)
        guard var inflated = try? buffer.decompress(with: algorithm) else { return nil }
        return inflated.readBytes(length: inflated.readableBytes)
    }
}
