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
    /// A port on 127.0.0.1 that nothing listens on right now (bound by the kernel, then released).
    public static func closed() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("cannot create a socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestSupportError("cannot bind 127.0.0.1 to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A test's set-up failed; the description says how.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
