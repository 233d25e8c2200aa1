/// An on-disk cache of built program binaries, under `$XDG_CACHE_HOME/leapfrog` or
/// `~/.cache/leapfrog`.
///
/// An entry is keyed by a `StableHash` of the source, the build options, the device name, the
/// driver version and the platform version, so a driver update or an edited kernel misses. Each
/// file carries a header (magic, key, length, checksum); a missing, short, corrupt or unreadable
/// entry reads as a miss and is rebuilt, never an error. Writes are atomic (temporary file and
/// rename), so concurrent processes may share the directory.
///
/// File layout: "LFCLBIN1" | key (16 bytes, two little-endian UInt64) | binary length (UInt64 LE) |
/// FNV-1a-64 of the binary (UInt64 LE) | binary.
public struct ProgramCache: Sendable, Hashable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$XDG_CACHE_HOME/leapfrog`, else `$HOME/.cache/leapfrog`; nil when neither is set.
    public static var `default`: ProgramCache? {
        if let xdg = FileIO.environment("XDG_CACHE_HOME") { return ProgramCache(directory: xdg + "/leapfrog") }
        if let home = FileIO.environment("HOME") { return ProgramCache(directory: home + "/.cache/leapfrog") }
        return nil
    }

    static let magic = Array("LFCLBIN1".utf8)

    public struct Key: Sendable, Hashable {
        public let words: (UInt64, UInt64)
        public var hex: String { StableHash.hex(words.0) + StableHash.hex(words.1) }

        public static func == (l: Key, r: Key) -> Bool { l.words == r.words }
        public func hash(into hasher: inout Hasher) { hasher.combine(words.0); hasher.combine(words.1) }
    }

    public static func key(source: String, options: String, deviceName: String, driverVersion: String,
                           platformVersion: String) -> Key {
        var hash = StableHash()
        hash.combine("leapfrog-program-cache-v1")
        hash.combine(source)
        hash.combine(options)
        hash.combine(deviceName)
        hash.combine(driverVersion)
        hash.combine(platformVersion)
        return Key(words: hash.words)
    }

    public func path(for key: Key) -> String { "\(directory)/\(key.hex).clbin" }

    /// The stored binary, or nil on a miss or any kind of damage.
    public func load(_ key: Key) -> [UInt8]? {
        guard let bytes = FileIO.read(path(for: key)), bytes.count >= 40,
              Array(bytes[0..<8]) == ProgramCache.magic,
              readUInt64(bytes, 8) == key.words.0, readUInt64(bytes, 16) == key.words.1 else { return nil }
        let length = readUInt64(bytes, 24)
        guard length > 0, UInt64(bytes.count - 40) == length else { return nil }
        let binary = Array(bytes[40...])
        guard StableHash.fnv1a64(binary) == readUInt64(bytes, 32) else { return nil }
        return binary
    }

    /// Stores `binary`; failures (read-only home, full disk) are ignored: the cache is an optimisation.
    @discardableResult
    public func store(_ binary: [UInt8], for key: Key) -> Bool {
        guard !binary.isEmpty, FileIO.makeDirectories(directory) else { return false }
        var bytes = ProgramCache.magic
        for word in [key.words.0, key.words.1, UInt64(binary.count), StableHash.fnv1a64(binary)] {
            appendUInt64(&bytes, word)
        }
        bytes += binary
        return FileIO.writeAtomically(path(for: key), bytes)
    }

    /// Deletes a damaged entry so that the next build rewrites it.
    public func remove(_ key: Key) { FileIO.remove(path(for: key)) }
}

func readUInt64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
    var value: UInt64 = 0
    for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
    return value
}

func appendUInt64(_ bytes: inout [UInt8], _ value: UInt64) {
    for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
}
