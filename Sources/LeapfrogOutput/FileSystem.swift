#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore

/// The POSIX calls behind the `.partial` + rename policy, with errors that name the file; also
/// used package-wide (the CLI's `--output` checks, small system files).
package enum FileSystem {
    /// The name a writer writes under until `finish`: `path + ".partial"`.
    static func partialPath(_ path: String) -> String { path + ".partial" }

    /// The text of `errno`.
    package static func lastError() -> String { String(cString: strerror(errno)) }

    static func exists(_ path: String) -> Bool { kind(path) != nil }

    /// The file type bits (`S_IFDIR`, `S_IFREG`, …) of `path`, or `nil` when nothing is there.
    package static func kind(_ path: String) -> mode_t? {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }

    /// The first of `paths` that names the same file as one before it (the same device and inode,
    /// however written: `run/chain-1.csv` and `./run/chain-1.csv`); nil when all differ or
    /// cannot be read (reading them names those).
    package static func repeated(_ paths: [String]) -> String? {
        var seen: Set<[UInt64]> = []
        for path in paths {
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            if !seen.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted { return path }
        }
        return nil
    }

    /// The first `limit` bytes of the file at `path` as UTF-8 text; `nil` when it cannot be
    /// opened or is empty.
    package static func readPrefix(_ path: String, limit: Int) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = fread(&buffer, 1, limit, f)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// Why files cannot be created next to `path`, if its directory is missing, not a
    /// directory or not writable; `nil` if the directory looks fine.
    static func directoryProblem(_ path: String) -> String? {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var st = stat()
        if stat(directory, &st) != 0 { return "directory '\(directory)' does not exist" }
        if (st.st_mode & S_IFMT) != S_IFDIR { return "'\(directory)' is not a directory" }
        if access(directory, W_OK) != 0 { return "directory '\(directory)' is not writable" }
        return nil
    }

    /// The message for a `.partial` file that is already there.
    static func partialExists(_ partial: String) -> String {
        "'\(partial)' already exists: another run may be writing it, or an earlier run stopped before finishing; remove it if no run is using it"
    }

    /// Creates `path` for writing, failing if it exists (`O_EXCL`); returns a buffered stream.
    static func createExclusive(_ path: String) throws -> UnsafeMutablePointer<FILE> {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            if errno == EEXIST { throw LeapfrogError(.io, "cannot create " + partialExists(path)) }
            let reason = lastError()
            let hint = directoryProblem(path).map { "; " + $0 } ?? ""
            throw LeapfrogError(.io, "cannot create '\(path)': open: \(reason)\(hint)")
        }
        guard let stream = fdopen(fd, "w") else {
            let message = lastError()
            close(fd)
            unlink(path)
            throw LeapfrogError(.io, "cannot create '\(path)': fdopen: \(message)")
        }
        setvbuf(stream, nil, _IOFBF, 1 << 16)
        return stream
    }

    /// Moves `from` to `to`, replacing `to` if it exists.
    static func rename(_ from: String, to: String) throws {
        #if canImport(Glibc)
        let status = Glibc.rename(from, to)
        #else
        let status = Darwin.rename(from, to)
        #endif
        if status != 0 {
            throw LeapfrogError(.io, "cannot rename '\(from)' to '\(to)': \(lastError())")
        }
    }

    /// Deletes `path`, ignoring errors (used when abandoning).
    static func remove(_ path: String) { unlink(path) }

    /// The current UTC time as ISO 8601 with microseconds and offset, as ArviZ writes
    /// `created_at`: `2024-05-01T12:00:00.123456+00:00`.
    static func isoTimestamp() -> String {
        let (tm, micros) = now()
        return "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2))T"
            + "\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2)).\(pad(micros, 6))+00:00"
    }

    /// The current UTC time as CmdStan's `start_datetime`: `2024-05-01 12:00:00 UTC`.
    static func cmdStanTimestamp() -> String {
        let (tm, _) = now()
        return "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2)) "
            + "\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2)) UTC"
    }

    private static func now() -> (tm, Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var result = tm()
        gmtime_r(&seconds, &result)
        return (result, Int(ts.tv_nsec) / 1000)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
