/// What a random number is for: the third word of the Philox counter.
///
/// Giving each use its own purpose keeps streams disjoint: adding a use never shifts another's
/// numbers. Raw values are part of the cross-back-end specification — append, never renumber.
///
/// Every use in LeapfrogSampling, as (chain word, iteration word, purpose, element k) of the
/// streams defined in `PhiloxRandom` (element k = word k % 4 of block k / 4):
///
/// | use                                  | chain | iteration        | purpose          | k         | kind    |
/// |--------------------------------------|-------|------------------|------------------|-----------|---------|
/// | initial point, component i           | c (g with superchains) | attempt 0…99 | initialisation | i | uniform |
/// | momentum, component i                | c     | iteration        | momentum         | i         | normal  |
/// | HMC step-size / step-count jitter    | c     | iteration        | jitter           | 0         | uniform |
/// | HMC Metropolis test                  | c     | iteration        | acceptance       | 0         | uniform |
/// | NUTS direction of doubling j         | c     | iteration        | direction        | j         | uniform |
/// | NUTS leaf choice at trajectory leaf ℓ | c    | iteration        | multinomial      | ℓ         | uniform |
/// | NUTS top-level acceptance, doubling j | c    | iteration        | acceptance       | j         | uniform |
/// | step-size search s, trial t, comp. i | c     | (s << 16) \| t   | stepSizeSearch   | i         | normal  |
/// | ChEES trajectory jitter              | 2³²−1 | iteration        | sharedJitter     | 0         | uniform |
///
/// `iteration` is global: warmup iterations 0..<W, then sampling W..<W+D.
public enum RandomPurpose: UInt32, Sendable, CaseIterable {
    /// Initial points: Uniform(−2, 2) per component; the iteration word holds the retry number.
    case initialisation = 0
    /// Momentum draws p ~ N(0, M) at the start of a trajectory.
    case momentum = 1
    /// Step-size or trajectory-length jitter.
    case jitter = 2
    /// NUTS: the direction of each doubling (index = tree depth).
    case direction = 3
    /// NUTS: multinomial selection inside a subtree (index = leaf number in the trajectory).
    case multinomial = 4
    /// Metropolis acceptance (HMC) and the biased top-level transition of NUTS (index = depth).
    case acceptance = 5
    /// Stan's initial step-size heuristic (iteration word = number of the search).
    case stepSizeSearch = 6
    /// ChEES-HMC: the trajectory-length jitter shared by all chains (chain word = `sharedChain`).
    case sharedJitter = 7
}
