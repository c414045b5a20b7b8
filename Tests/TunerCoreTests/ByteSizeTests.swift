import Testing
import TunerCore

/// Sizes as users write them (`--memory`, `--shared-buffers`): units, and one clear error for anything else.
struct ByteSizeTests {
    @Test(arguments: [
        ("512MB", Int64(512) << 20), ("16GB", Int64(16) << 30), ("64kB", Int64(64) << 10), ("2TB", Int64(2) << 40),
        ("1.5GB", Int64(3) << 29), ("100", Int64(100)), ("8 gib", Int64(8) << 30),
    ])
    func parsesUnits(text: String, bytes: Int64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "GB", "12XB", "-1GB", "0MB", "nanGB", "99999999TB", "1e30"])
    func refusesWithOneLine(text: String) {
        #expect(throws: ParseError.self) { try ByteSize(parsing: text) }
    }

    @Test func rendersAsPgtune() {
        #expect(ByteSize(bytes: 4 << 30).description == "4GB")
        #expect(ByteSize(bytes: 1536 << 20).description == "1536MB")
        #expect(ByteSize(bytes: 20560 << 10).description == "20560kB")
    }
}
