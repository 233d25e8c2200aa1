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
/// | ADVI draw m of restart r, comp. i    | r·M+m | iteration        | variationalDraw  | i         | normal  |
/// | ADVI starting mean of restart r      | r     | 0                | variationalInitialisation | i | uniform |
/// | ADVI output draw s                   | s     | 0                | variationalOutput | i        | normal  |
/// | Pathfinder start of path k (attempt a) | k   | a                | pathfinderInitialisation | i | uniform |
/// | Pathfinder ELBO draw m of path k at iterate l | k·M+m | l       | pathfinderELBODraw | i       | normal  |
/// | Pathfinder output draw n of path k   | k·N+n | 0                | pathfinderDraw   | i         | normal  |
/// | Pathfinder resampling, output draw r | r     | 0                | pathfinderResample | 0       | uniform |
/// | Stan `_rng` calls in generated quantities, chain c, retained draw d | c (global) | d | generatedQuantities | k (in call order) | uniform (`PhiloxStream`) |
/// | Stan `_rng` calls in transformed data (once per run, every chain and back end) | 2³²−1 | 0 | transformedData | k (in call order) | uniform (`PhiloxStream`) |
/// | donor of stray chain c moved at a warmup window's end | c | the window's last iteration | relocation | 0 | uniform |
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
    /// ADVI: the standard normals ε of the Monte-Carlo draws θ = μ + Lε (chain word = restart·M + draw).
    case variationalDraw = 8
    /// ADVI: the starting means, Uniform(−2, 2) (chain word = restart).
    case variationalInitialisation = 9
    /// ADVI: the draws written from the fitted family (chain word = draw number).
    case variationalOutput = 10
    /// Pathfinder: the starting point of each path, Uniform(−2, 2) (chain word = path, iteration
    /// word = attempt).
    case pathfinderInitialisation = 11
    /// Pathfinder: the standard normals of the ELBO draws at an iterate (chain word = path·M + draw,
    /// iteration word = iterate).
    case pathfinderELBODraw = 12
    /// Pathfinder: the draws from each path's best approximation (chain word = path·N + draw).
    case pathfinderDraw = 13
    /// Pathfinder: the uniforms of the importance resampling (chain word = output draw).
    case pathfinderResample = 14
    /// Stan generated quantities: the uniforms behind `_rng` calls (`PhiloxStream`, chain word =
    /// global chain, iteration word = retained draw index, consumed in call order).
    case generatedQuantities = 15
    /// Stan transformed data: the uniforms behind `_rng` calls, drawn once when the data are read
    /// (chain word = `PhiloxRandom.sharedChain`, iteration word 0: independent of the chain, so
    /// every chain and back end sees the same transformed data; consumed in call order).
    case transformedData = 16
    /// Warmup: the donor whose position a stray chain takes (`StrayChainRelocation`; chain word =
    /// the stray chain, iteration word = the window's last iteration).
    case relocation = 17
}
