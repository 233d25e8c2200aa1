/// Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw, "Parallel random
/// numbers: as easy as 1, 2, 3" (SC'11), as implemented in Random123 (`philox.h`).
///
/// A pure function of a 128-bit counter and a 64-bit key: no state, no sequence. The same
/// (counter, key) gives the same four words on every back end; `Kernels/philox.cl` is the
/// OpenCL twin of this file.
///
/// One round, for counter words (c0, c1, c2, c3) and key words (k0, k1), with 32×32→64-bit
/// products split into high and low halves:
///
///     (hi0, lo0) = mulhilo(M0, c0);  (hi1, lo1) = mulhilo(M1, c2)
///     (c0, c1, c2, c3) ← (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
///
/// Ten rounds; between consecutive rounds the key is bumped by the Weyl constants
/// (k0 += W0, k1 += W1, wrapping), so round r (0-based) uses k + r·W.
public enum Philox4x32 {
    /// Round multipliers. Random123 `philox.h`: PHILOX_M4x32_0, PHILOX_M4x32_1.
    public static let multiplier0: UInt32 = 0xD251_1F53
    public static let multiplier1: UInt32 = 0xCD9E_8D57
    /// Weyl key increments (golden ratio, √3 − 1). Random123 `philox.h`: PHILOX_W32_0, PHILOX_W32_1.
    public static let weyl0: UInt32 = 0x9E37_79B9
    public static let weyl1: UInt32 = 0xBB67_AE85
    /// Round count of Philox-4x32-10 (Random123's default and recommended count).
    public static let rounds = 10

    /// The four output words for `counter` under `key`.
    @inlinable
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter
        var k = key
        for r in 0..<rounds {
            if r > 0 {
                k.x &+= weyl0
                k.y &+= weyl1
            }
            let p0 = UInt64(multiplier0) &* UInt64(c.x)
            let p1 = UInt64(multiplier1) &* UInt64(c.z)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            c = SIMD4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0)
        }
        return c
    }
}
