import Foundation
import TunerCore

#if canImport(Glibc)
import Glibc
#endif

/// Whether a disk spins, which PostgreSQL cannot report (the machine's memory comes from `MachineDetection`).
/// Used only when the server runs here (a unix socket or a loopback address).
enum MachineFacts {
    /// Whether the block device holding `path` is rotational, from /sys; `nil` when it cannot be told
    /// (a virtual file system, a container overlay, a path this process cannot stat).
    static func isRotational(path: String) -> Bool? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let device = UInt64(info.st_dev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        guard major != 0 else { return nil }
        let base = "/sys/dev/block/\(major):\(minor)"
        for candidate in ["\(base)/queue/rotational", "\(base)/../queue/rotational"] {
            if let text = try? String(contentsOfFile: candidate, encoding: .utf8) {
                return text.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            }
        }
        return nil
    }
}
