#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Axis ticks at "nice" numbers: 1, 2 or 5 times a power of ten.
///
/// Heckbert, "Nice numbers for graph labels", *Graphics Gems* (1990), pp. 61–63 and 657–659:
/// the tick spacing is the nice number nearest to range / (ticks − 1), and the axis runs from
/// ⌊min / spacing⌋·spacing to ⌈max / spacing⌉·spacing ("loose" labelling), so the ticks always
/// cover the data. Heckbert first rounds the range itself up to a nice number; this takes the
/// spacing from the range as it is, which keeps axes tighter (a range of 2.4 gets spacing 0.5,
/// not 1) and still gives 1, 2 or 5 × 10ᵏ.
public struct NiceScale: Sendable, Hashable {
    /// The first and last tick; `lower ≤` every datum `≤ upper`.
    public var lower: Double
    public var upper: Double
    /// The distance between ticks.
    public var step: Double

    /// Ticks covering `[min, max]`, about `ticks` of them. A zero-width range is widened by one
    /// unit (or by 10 % of |min|) each side; non-finite bounds give the range 0…1.
    public init(min: Double, max: Double, ticks: Int = 5) {
        var lo = Swift.min(min, max), hi = Swift.max(min, max)
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi - lo <= Swift.max(abs(lo), abs(hi)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let step = Self.nice((hi - lo) / Double(Swift.max(ticks - 1, 1)), round: true)
        self.step = step
        self.lower = (lo / step).rounded(.down) * step
        self.upper = (hi / step).rounded(.up) * step
    }

    /// The tick values, `lower`, `lower + step`, …, `upper`.
    public var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded()) + 1
        // Multiplying (not accumulating) keeps 0.1 + 0.1 + 0.1 from drifting; snap -0 and near-0 to 0.
        return (0..<n).map { i in
            let v = lower + Double(i) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// Decimals that show every tick exactly: −⌊log₁₀ step⌋, at least 0.
    public var decimals: Int { Swift.max(0, -Int(log10(step).rounded(.down))) }

    /// Heckbert's `nicenum`: the nice number near `x` (rounded) or at least `x` (not rounded).
    public static func nice(_ x: Double, round: Bool) -> Double {
        guard x > 0, x.isFinite else { return 1 }
        let exponent = log10(x).rounded(.down)
        let f = x / pow(10, exponent)
        let nf: Double
        if round {
            nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10
        } else {
            nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10
        }
        return nf * pow(10, exponent)
    }
}
