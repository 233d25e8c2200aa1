/// The shared work behind every statistic of one parameter: flattening, splitting, one sort,
/// rank normalisation. Computed lazily and reused, so ``summarize(name:draws:superchains:)``
/// sorts the draws once. Internal; the public entry points are the value-type namespaces
/// (``RHat``, ``EffectiveSampleSize``, ``MonteCarloStandardError``, ``Quantile``).
final class DrawAnalysis {
    let chains: Int
    let drawsPerChain: Int
    let nonFiniteCount: Int
    /// The draws, a row per chain.
    let matrix: ChainMatrix
    /// A score table made by the caller for this many split draws, shared between analyses.
    private let sharedScores: [Double]?

    /// - scores: ``RankNormalization/scoreTable(size:)`` for the split draws' count
    ///   (``splitCount(_:)``), when the caller shares one between parameters; made here otherwise.
    init(_ draws: Draws, scores: [Double]? = nil) {
        chains = draws.chainCount
        drawsPerChain = draws.drawsPerChain
        matrix = draws.matrix
        nonFiniteCount = LeapfrogDiagnostics.nonFiniteCount(matrix.values)
        sharedScores = scores
    }

    /// The draws' count after splitting each chain into halves (the middle draw of an odd chain
    /// left out): the size of their score table.
    static func splitCount(_ draws: Draws) -> Int { 2 * draws.chainCount * (draws.drawsPerChain / 2) }

    /// ArviZ's `_not_valid(min_draws=4, min_chains=1)`, plus this module's non-finite policy.
    var validForESS: Bool {
        nonFiniteCount == 0 && chains >= 1 && drawsPerChain >= EffectiveSampleSize.minimumDraws
    }

    /// ArviZ's `_not_valid(min_draws=4, min_chains=2)`, plus the non-finite policy.
    var validForRHat: Bool { validForESS && chains >= 2 }

    lazy var split: ChainMatrix = matrix.splitHalves()

    /// Ranks of the split draws (one sort).
    lazy var splitRanks = RankNormalization(split.values)

    /// All draws sorted ascending (the unsplit set: differs from the split set for odd lengths).
    lazy var sortedAll: [Double] = {
        if drawsPerChain % 2 == 0 { return splitRanks.sorted }
        return RankNormalization(matrix.values).sorted
    }()

    lazy var mean: Double = {
        guard nonFiniteCount == 0, matrix.count > 0 else { return .nan }
        return LeapfrogDiagnostics.mean(matrix.values)
    }()

    /// Sample standard deviation (denominator S − 1), as `az.summary`'s `sd`.
    lazy var sd: Double = {
        guard nonFiniteCount == 0, matrix.count > 1 else { return .nan }
        return variance(matrix.values, ddof: 1).squareRoot()
    }()

    func quantile(_ prob: Double) -> Double {
        guard nonFiniteCount == 0, matrix.count > 0 else { return .nan }
        return Quantile.linear(sorted: sortedAll, prob: prob)
    }

    /// Φ⁻¹ of the Blom-transformed ranks 1…S, shared by the bulk and folded scores.
    lazy var scoreTable: [Double] = {
        if let sharedScores, sharedScores.count == split.values.count { return sharedScores }
        return splitRanks.scoreTable
    }()

    /// Rank-normalised split draws (bulk), shared by bulk R-hat and bulk ESS.
    lazy var zBulk = ChainMatrix(rows: split.rows, columns: split.columns,
                                 values: splitRanks.zScores(table: scoreTable))

    // MARK: R-hat

    lazy var rhatBulk: Double = {
        guard validForRHat else { return .nan }
        return RHat.classic(zBulk)
    }()

    lazy var rhatTail: Double = {
        guard validForRHat else { return .nan }
        return RHat.classic(ChainMatrix(rows: split.rows, columns: split.columns,
                                        values: splitRanks.foldedZScores(table: scoreTable)))
    }()

    /// max(bulk, tail) with Python's `max` semantics (a NaN first argument wins; never arises
    /// for finite non-constant draws, and for constant draws both are NaN).
    var rhatRank: Double {
        let b = rhatBulk, t = rhatTail
        return t > b ? t : b
    }

    lazy var rhatSplit: Double = {
        guard validForRHat else { return .nan }
        return RHat.classic(split)
    }()

    // MARK: ESS

    lazy var essBulk: Double = {
        guard validForESS else { return .nan }
        return EffectiveSampleSize.geyer(zBulk)
    }()

    lazy var essTail: Double = {
        guard validForESS else { return .nan }
        return min(essQuantile(0.05), essQuantile(0.95))
    }()

    lazy var essMean: Double = {
        guard validForESS else { return .nan }
        return EffectiveSampleSize.geyer(split)
    }()

    /// The storage of the last transform of the split draws (``geyerOfTransform(_:)``), reused by
    /// the next: the tail's two indicators and the squared deviations take one array, not three.
    private var transformStorage: [Double] = []

    /// The ESS of a transform of the split draws: `fill(split, out, count)` writes it into a
    /// matrix of the split draws' shape whose storage is reused between calls.
    private func geyerOfTransform(_ fill: (UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void) -> Double {
        let n = split.values.count
        var values = transformStorage
        transformStorage = []
        if values.count != n { values = [Double](unsafeUninitializedCapacity: n) { _, count in count = n } }
        split.values.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { out in
                if n > 0 { fill(source.baseAddress!, out.baseAddress!, n) }
            }
        }
        let transformed = ChainMatrix(rows: split.rows, columns: split.columns, values: values)
        values = []
        let ess = EffectiveSampleSize.geyer(transformed)
        transformStorage = transformed.values
        return ess
    }

    /// The ESS of (θ − θ̄)² over the split draws, θ̄ the mean of all draws.
    lazy var essSd: Double = {
        guard validForESS else { return .nan }
        let m = mean
        return geyerOfTransform { p, out, n in
            var i = 0
            while i < n { let d = p[i] - m; out[i] = d * d; i += 1 }
        }
    }()

    /// ESS of the indicator I(θ ≤ q) with q = `mquantiles(θ, prob, alphap=1, betap=1)` over all draws.
    func essQuantile(_ prob: Double) -> Double {
        guard validForESS else { return .nan }
        let q = Quantile.mquantiles(sorted: sortedAll, prob: prob)
        return geyerOfTransform { p, out, n in
            var i = 0
            while i < n { out[i] = p[i] <= q ? 1 : 0; i += 1 }
        }
    }

    // MARK: MCSE

    /// sd / √ESS_mean (ArviZ `_mcse_mean`).
    lazy var mcseMean: Double = {
        guard validForESS else { return .nan }
        return sd / essMean.squareRoot()
    }()

    /// ArviZ `_mcse_sd`: with s = (θ − θ̄)², Var̂(s) = (mean(s²) − mean(s)²) / ESS_mean(s), and the
    /// delta method for √: MCSE(sd) = √(Var̂(s) / mean(s) / 4).
    lazy var mcseSD: Double = {
        guard validForESS else { return .nan }
        let m = mean
        var s1 = 0.0, s2 = 0.0
        matrix.values.withUnsafeBufferPointer { b in
            let p = b.baseAddress!
            var i = 0
            while i < b.count { let d = (p[i] - m) * (p[i] - m); s1 += d; s2 += d * d; i += 1 }
        }
        let n = Double(matrix.count)
        let evar = s1 / n
        let varvar = (s2 / n - evar * evar) / essSd
        return (varvar / evar / 4).squareRoot()
    }()

    /// ArviZ `_mcse_quantile`: the central ±1 sd (p = 0.1586553, 0.8413447) interval of a
    /// Beta(ESS·p + 1, ESS·(1−p) + 1) for the quantile's rank, mapped to order statistics;
    /// half its width.
    func mcseQuantile(_ prob: Double) -> Double {
        guard validForESS else { return .nan }
        let ess = essQuantile(prob)
        let size = sortedAll.count
        let lower = IncompleteBeta.inverse(p: MonteCarloStandardError.oneSigmaLower,
                                           a: ess * prob + 1, b: ess * (1 - prob) + 1)
        let upper = IncompleteBeta.inverse(p: MonteCarloStandardError.oneSigmaUpper,
                                           a: ess * prob + 1, b: ess * (1 - prob) + 1)
        // np.nanmax / np.nanmin ignore a NaN ppf.
        let lowPos = lower.isNaN ? 0 : max(lower * Double(size) - 1, 0)
        let highPos = upper.isNaN ? Double(size - 1) : min(upper * Double(size) - 1, Double(size - 1))
        let th1 = sortedAll[Int(lowPos.rounded(.down))]
        let th2 = sortedAll[Int(highPos.rounded(.up))]
        return (th2 - th1) / 2
    }
}
