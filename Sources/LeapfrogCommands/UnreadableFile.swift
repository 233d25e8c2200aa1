#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file given on the command line cannot be read, in the system's words.
enum UnreadableFile {
    /// The `strerror` text of opening `path` and reading a byte from it (`No such file or
    /// directory`, `Permission denied`, `Is a directory`), or `nil` when that works.
    static func reason(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) < 0 ? String(cString: strerror(errno)) : nil
    }
}
