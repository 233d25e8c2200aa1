#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogOutput

/// How much host memory a new run can use: Linux's `MemAvailable` (free memory plus what the
/// kernel can reclaim), lowered to the room left under a cgroup v2 memory limit when the process
/// runs in one (containers); physical memory where neither can be read.
enum MachineMemory {
    /// Bytes available, and the words the refusal message uses for them.
    static func available() -> (bytes: Double, description: String) {
        var best: (bytes: Double, description: String)?
        if let text = FileSystem.readPrefix("/proc/meminfo", limit: 1 << 16), let kib = meminfoValue("MemAvailable", in: text) {
            best = (kib * 1024, "available")
        }
        if let limit = FileSystem.readPrefix("/sys/fs/cgroup/memory.max", limit: 64).flatMap(cgroupBytes),
           let used = FileSystem.readPrefix("/sys/fs/cgroup/memory.current", limit: 64).flatMap(cgroupBytes) {
            let room = max(0, limit - used)
            if room < best?.bytes ?? .infinity { best = (room, "available under its memory limit") }
        }
        if let best { return best }
        let pages = Double(sysconf(Int32(_SC_PHYS_PAGES))), size = Double(sysconf(Int32(_SC_PAGESIZE)))
        return (max(0, pages * size), "of physical memory")
    }

    /// The value of `key` in `/proc/meminfo` text (`MemAvailable:   22345678 kB` → 22345678), in KiB.
    static func meminfoValue(_ key: String, in text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return line.dropFirst(key.count + 1).split(separator: " ").first.flatMap { Double($0) }
        }
        return nil
    }

    /// A cgroup v2 memory file's number of bytes; `nil` for `max` (no limit) or unreadable text.
    static func cgroupBytes(_ text: String) -> Double? {
        Double(text.split(separator: "\n").first.map(String.init) ?? "")
    }
}
