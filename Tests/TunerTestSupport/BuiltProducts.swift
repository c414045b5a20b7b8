import EmbeddedPostgres
import Foundation

/// The package's built executables (`tuner`, `demo-shop`), found beside the running test bundle: no build
/// directory or configuration is written into a test.
public enum BuiltProducts {
    /// The directory the test executable was built into (`.build/<triple>/<configuration>`).
    public static let directory: URL = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // macOS runs tests from inside `tunerPackageTests.xctest/Contents/MacOS`.
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        return directory
    }()

    /// The built executable `name`; a missing one fails with a message that says to build it.
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}

/// Local TCP ports for tests.
public enum TestPorts {
    /// A port on 127.0.0.1 held for the test (bound, never listening; see `PortReservation`): connecting to it is
    /// refused until the server the test starts binds it (Python's `http.server`, NIO with `SO_REUSEADDR`, Go and
    /// PostgreSQL can), and no other process can take it in between. Keep it until the test's end
    /// (`defer { reservation.release() }`): a port found free and let go could be another suite's server's a moment later.
    public static func reserve() throws -> PortReservation {
        try FreePort.reserve()
    }
}

/// A test's set-up failed; the description says how.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
