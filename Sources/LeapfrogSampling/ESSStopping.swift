import LeapfrogDiagnostics

/// Sampling that stops at a target ESS: keeps every chain's log density per retained draw and,
/// every `interval` draws (from 20 on), computes its bulk ESS over all chains (rank-normalised,
/// Vehtari et al. 2021, as `summary.json` reports it); `add` returns true once it reaches the
/// target. With C chains, many short chains reach it after few draws each.
struct ESSStopping {
    let target: Double
    /// Draws between checks (and before the first).
    static let interval = 10
    static let minimumDraws = 20
    private var lp: [[Double]]
    private(set) var lastESS: Double?
    /// Draws per chain `lastESS` was computed over.
    private var lastCount = 0

    init(target: Double, chains: Int) {
        self.target = target
        lp = Array(repeating: [], count: chains)
    }

    /// Records one draw's log densities; true when the ESS target is reached.
    mutating func add(_ logDensity: [Double]) -> Bool {
        for c in lp.indices { lp[c].append(logDensity[c]) }
        let draws = lp[0].count
        guard draws >= Self.minimumDraws, draws % Self.interval == 0 else { return false }
        let ess = EffectiveSampleSize.bulk(Draws(lp))
        (lastESS, lastCount) = (ess, draws)
        return ess >= target
    }

    /// The ESS over every draw recorded (the last check's, when it saw them all).
    func finalESS() -> Double? {
        let draws = lp.first?.count ?? 0
        if draws == lastCount { return lastESS }
        return draws >= 4 ? EffectiveSampleSize.bulk(Draws(lp)) : lastESS
    }
}
