/// One Philox stream read in order: the uniforms u₀, u₁, u₂, … of the stream (chain, iteration,
/// purpose) that `PhiloxRandom` defines, element k from word k % 4 of block k / 4.
///
/// For consumers that need an unknown number of uniforms (rejection samplers: `PhiloxStream+Variates`),
/// in call order: Stan's `_rng` functions in generated quantities, keyed by (seed, global chain,
/// retained draw) with purpose `.generatedQuantities`. Element k is
/// `random.uniform(chain:iteration:purpose:index: k)`, so the values depend only on the key and on
/// the order of the calls, never on threads or the back end that sampled.
public struct PhiloxStream: Sendable {
    public let random: PhiloxRandom
    public let chain: Int
    public let iteration: Int
    public let purpose: RandomPurpose
    /// How many uniforms have been read (the index of the next one).
    public private(set) var position = 0
    private var words = SIMD4<UInt32>()
    /// The second normal of the last Box–Muller pair, not yet used.
    private var spareNormal: Double?

    public init(random: PhiloxRandom, chain: Int, iteration: Int, purpose: RandomPurpose) {
        self.random = random
        self.chain = chain
        self.iteration = iteration
        self.purpose = purpose
    }

    /// The next uniform in (0, 1): (w + 0.5)·2⁻³² (`PhiloxRandom.uniform(word:)`).
    public mutating func uniform() -> Double {
        let w = position & 3
        if w == 0 {
            words = random.block(chain: random.chainWord(chain), iteration: UInt32(truncatingIfNeeded: iteration),
                                 purpose: purpose, block: UInt32(truncatingIfNeeded: position >> 2))
        }
        position += 1
        return PhiloxRandom.uniform(word: words[w])
    }

    /// The next standard normal: Box–Muller on two consecutive uniforms (`PhiloxRandom.boxMuller`),
    /// r cos θ now and r sin θ at the next call.
    public mutating func normal() -> Double {
        if let z = spareNormal {
            spareNormal = nil
            return z
        }
        let u0 = uniform(), u1 = uniform()
        let (z0, z1) = PhiloxRandom.boxMuller(u0, u1)
        spareNormal = z1
        return z0
    }
}
