import Foundation

/// Deterministic standard normals: SplitMix64 (Steele, Lea & Flood 2014) for uniforms and
/// Box–Muller, so the diagnostics' tests draw series with known laws without depending on the
/// samplers' generator.
struct SplitMixNormals {
    var state: UInt64

    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (Double((z ^ (z >> 31)) >> 11) + 0.5) / 9_007_199_254_740_992
    }

    mutating func next() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
}
