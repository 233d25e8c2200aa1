/// What a random number is for: the third word of the Philox counter.
///
/// Giving each use its own purpose keeps streams disjoint: adding a use never shifts another's
/// numbers. Raw values are part of the cross-back-end specification — append, never renumber.
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
