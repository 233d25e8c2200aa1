#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counter-based random numbers for many chains: the specification shared with the OpenCL twin.
///
/// **Key.** The 64-bit seed, split as k0 = low 32 bits, k1 = high 32 bits.
///
/// **Counter.** (c0, c1, c2, c3) = (chain, iteration, purpose, block). A chain's numbers are a
/// function of (seed, chain, iteration, purpose, index) only — never of how many chains run beside
/// it, nor of the back end. `iteration` is the global iteration number (warmup then sampling,
/// from 0); for `.initialisation` it is the retry number; for `.stepSizeSearch` the search number.
///
/// **Streams.** For each (chain, iteration, purpose) the numbers form a stream indexed by
/// k = 0, 1, 2, …: element k comes from the Philox block with c3 = k / 4, output word w = k % 4.
///
/// **Uniform.** u_k = (Double(word_w) + 0.5) · 2⁻³², in (0, 1), never 0 or 1: 2⁻³³ ≤ u ≤ 1 − 2⁻³³.
/// Every step is exact in IEEE binary64 (a 32-bit integer plus one half is exact in 53 bits, and
/// scaling by a power of two is exact), so an OpenCL device with `cl_khr_fp64` reproduces
/// uniforms bit for bit.
///
/// **Normal.** Box–Muller on the uniforms of the same block, pairing words (0, 1) and (2, 3):
/// with r = √(−2 ln u_a), θ = 2π u_b,
///
///     z_{4b+0} = r(u0)·cos(2π u1),  z_{4b+1} = r(u0)·sin(2π u1)
///     z_{4b+2} = r(u2)·cos(2π u3),  z_{4b+3} = r(u2)·sin(2π u3)
///
/// where 2π is the binary64 constant `2 * Double.pi`. Normals agree across back ends up to
/// the accuracy of the device's `log`, `sqrt`, `cos` and `sin` (a few ulp), not bit for bit.
/// A purpose's stream is used either for uniforms or for normals, never both.
public struct PhiloxRandom: Sendable, Hashable {
    public let seed: UInt64
    /// The global index of this batch's chain 0: a rank or device that runs chains
    /// `first..<first + k` of a run numbers them 0..<k and draws chain `first + c`'s numbers.
    /// 0 for a whole run. The shared chain word (`sharedChain`) is never offset.
    public let firstChain: Int
    /// The chain word used for numbers shared by every chain (e.g. ChEES jitter).
    public static let sharedChain: UInt32 = .max

    public init(seed: UInt64) { self.init(seed: seed, firstChain: 0) }

    public init(seed: UInt64, firstChain: Int) {
        self.seed = seed
        self.firstChain = firstChain
    }

    /// The same streams for a block of chains that starts at global chain `first`.
    public func block(startingAt first: Int) -> PhiloxRandom { PhiloxRandom(seed: seed, firstChain: firstChain + first) }

    /// The counter's chain word for batch chain `chain`.
    @inlinable @usableFromInline
    func chainWord(_ chain: Int) -> UInt32 {
        chain == Int(Self.sharedChain) ? Self.sharedChain : UInt32(truncatingIfNeeded: chain + firstChain)
    }

    @inlinable
    public var key: SIMD2<UInt32> {
        SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    }

    /// The raw block (c0, c1, c2, c3) = (chain, iteration, purpose, block).
    @inlinable
    public func block(chain: UInt32, iteration: UInt32, purpose: RandomPurpose, block: UInt32) -> SIMD4<UInt32> {
        Philox4x32.block(counter: SIMD4(chain, iteration, purpose.rawValue, block), key: key)
    }

    /// 2⁻³²: the uniform spacing.
    public static let twoToMinus32 = 1.0 / 4_294_967_296.0

    /// The uniform in (0, 1) for a 32-bit word: (w + 0.5)·2⁻³², exact in binary64.
    @inlinable
    public static func uniform(word: UInt32) -> Double {
        (Double(word) + 0.5) * twoToMinus32
    }

    /// Uniform element `index` of the stream (chain, iteration, purpose).
    @inlinable
    public func uniform(chain: Int, iteration: Int, purpose: RandomPurpose, index: Int = 0) -> Double {
        let b = block(chain: chainWord(chain), iteration: UInt32(truncatingIfNeeded: iteration),
                      purpose: purpose, block: UInt32(truncatingIfNeeded: index >> 2))
        return Self.uniform(word: b[index & 3])
    }

    /// Uniform elements 0..<count of the stream (chain, iteration, purpose), written to `out(k, u_k)`.
    @inlinable
    public func uniforms(chain: Int, iteration: Int, purpose: RandomPurpose, count: Int,
                         _ out: (Int, Double) -> Void) {
        var k = 0
        var blockIndex: UInt32 = 0
        while k < count {
            let b = block(chain: chainWord(chain), iteration: UInt32(truncatingIfNeeded: iteration),
                          purpose: purpose, block: blockIndex)
            for w in 0..<4 where k + w < count { out(k + w, Self.uniform(word: b[w])) }
            k += 4
            blockIndex &+= 1
        }
    }

    /// The four standard normals of one block (Box–Muller on words (0,1) and (2,3)).
    @inlinable
    public static func normals(block b: SIMD4<UInt32>) -> SIMD4<Double> {
        let (z0, z1) = boxMuller(uniform(word: b[0]), uniform(word: b[1]))
        let (z2, z3) = boxMuller(uniform(word: b[2]), uniform(word: b[3]))
        return SIMD4(z0, z1, z2, z3)
    }

    /// r = √(−2 ln u_a), θ = 2π u_b → (r cos θ, r sin θ).
    @inlinable
    public static func boxMuller(_ ua: Double, _ ub: Double) -> (Double, Double) {
        let r = (-2.0 * log(ua)).squareRoot()
        let theta = 2.0 * Double.pi * ub
        return (r * cos(theta), r * sin(theta))
    }

    /// Normal element `index` of the stream (chain, iteration, purpose).
    @inlinable
    public func normal(chain: Int, iteration: Int, purpose: RandomPurpose, index: Int = 0) -> Double {
        let b = block(chain: chainWord(chain), iteration: UInt32(truncatingIfNeeded: iteration),
                      purpose: purpose, block: UInt32(truncatingIfNeeded: index >> 2))
        return Self.normals(block: b)[index & 3]
    }

    /// Normal elements 0..<count of the stream (chain, iteration, purpose), written to `out(k, z_k)`.
    @inlinable
    public func normals(chain: Int, iteration: Int, purpose: RandomPurpose, count: Int,
                        _ out: (Int, Double) -> Void) {
        var k = 0
        var blockIndex: UInt32 = 0
        while k < count {
            let b = block(chain: chainWord(chain), iteration: UInt32(truncatingIfNeeded: iteration),
                          purpose: purpose, block: blockIndex)
            let z = Self.normals(block: b)
            for w in 0..<4 where k + w < count { out(k + w, z[w]) }
            k += 4
            blockIndex &+= 1
        }
    }
}
