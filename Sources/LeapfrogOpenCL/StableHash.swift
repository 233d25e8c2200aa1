/// A 128-bit, stable (platform- and run-independent) hash for cache keys: two FNV-1a-64 lanes with
/// different offset bases, the second also mixing in the byte position, each finished with the
/// splitmix64 avalanche. Not cryptographic; a collision needs the same length and both lanes.
package struct StableHash: Sendable {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325          // FNV-1a 64 offset basis
    private var b: UInt64 = 0x6c62_272e_07bb_0142          // an unrelated basis for the second lane
    private var length: UInt64 = 0
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    package init() {}

    package mutating func combine<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* StableHash.prime
            b = (b ^ UInt64(byte) ^ (length << 8)) &* StableHash.prime
            length &+= 1
        }
    }

    /// Adds a string and a separator, so that ("ab", "c") and ("a", "bc") differ.
    package mutating func combine(_ text: String) {
        combine(bytes: text.utf8)
        combine(bytes: [0xff, UInt8(truncatingIfNeeded: text.utf8.count), 0xfe])
    }

    package var words: (UInt64, UInt64) {
        (StableHash.mix(a ^ length), StableHash.mix(b &+ length))
    }

    /// 32 lower-case hex digits.
    package var hex: String { StableHash.hex(words.0) + StableHash.hex(words.1) }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The plain FNV-1a-64 of `bytes` (for checksums and the test vectors of the algorithm).
    package static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* prime }
        return h
    }
}
