/// Which draw a host computation belongs to: the run's seed, the chain's global index and the
/// retained draw's index (from 0). Host quantities that draw random numbers (Stan's `_rng` calls
/// in generated quantities) key their Philox stream on it, so a draw's values are the same
/// whatever threads compute them and whichever back end sampled.
public struct DrawKey: Sendable, Hashable {
    public var seed: UInt64
    public var chain: Int
    public var draw: Int

    public init(seed: UInt64, chain: Int, draw: Int) {
        self.seed = seed
        self.chain = chain
        self.draw = draw
    }
}
