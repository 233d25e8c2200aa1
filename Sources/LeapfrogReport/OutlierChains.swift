import LeapfrogDiagnostics
import LeapfrogPlot

/// Chains that behave unlike the others, found from per-chain figures of `lp__` and the
/// acceptance statistic:
/// - **stuck**: `lp__` changed in fewer than 5 % of the chain's transitions, or its sd is below
///   10⁻³ of the median chain's sd (near-zero variance);
/// - **low acceptance**: mean acceptance statistic below half the target (0.4 for the usual 0.8);
/// - **far from the rest**: the chain's mean `lp__` lies more than 6 robust standard deviations
///   (1.4826 · MAD of the chain means) below their median — a chain left in a minor mode.
struct OutlierChains {
    struct Chain: Hashable {
        var chain: Int
        var meanLogDensity: Double
        var sdLogDensity: Double
        var meanAcceptance: Double
        var reasons: [String]
    }

    var chains: [Chain]
    var outliers: [Chain] { chains.filter { !$0.reasons.isEmpty } }

    init(logDensity: [[Double]], acceptance: [[Double]]?, targetAcceptance: Double) {
        let means = logDensity.map { c -> Double in c.isEmpty ? .nan : c.reduce(0, +) / Double(c.count) }
        let sds = zip(logDensity, means).map { c, m -> Double in
            c.count < 2 ? .nan : (c.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(c.count - 1)).squareRoot()
        }
        let medianSD = Quantile.of(sds, probs: [0.5])[0]
        let centre = Quantile.of(means, probs: [0.5])[0]
        let mad = 1.4826 * Quantile.of(means.map { abs($0 - centre) }, probs: [0.5])[0]
        chains = logDensity.indices.map { c in
            let lp = logDensity[c]
            var reasons: [String] = []
            let moves = lp.count < 2 ? 0 : zip(lp, lp.dropFirst()).filter { $0 != $1 }.count
            if lp.count >= 2 && (Double(moves) < 0.05 * Double(lp.count - 1) || sds[c] < 1e-3 * medianSD) {
                reasons.append("stuck: lp__ moved in \(moves) of \(lp.count - 1) transitions")
            }
            let acc = acceptance.map { a in a[c].isEmpty ? Double.nan : a[c].reduce(0, +) / Double(a[c].count) } ?? .nan
            if acc < 0.5 * targetAcceptance { reasons.append("low acceptance: \(Cell.number(acc, 2))") }
            if mad > 0, means[c] < centre - 6 * mad {
                reasons.append("lp__ far below the others: mean \(Cell.number(means[c])) against a median of \(Cell.number(centre))")
            }
            return Chain(chain: c, meanLogDensity: means[c], sdLogDensity: sds[c], meanAcceptance: acc, reasons: reasons)
        }
    }

    /// Each chain's mean `lp__` against its mean acceptance (at most 1,000 ordinary chains
    /// drawn, every outlier drawn), outliers in vermillion; with the outlier table.
    func figure() -> Figure {
        let ordinary = chains.filter { $0.reasons.isEmpty }
        let shownOrdinary = Thinning.indices(ordinary.count, limit: 1000).map { ordinary[$0] }
        let bad = outliers
        let useAcceptance = chains.contains { $0.meanAcceptance.isFinite }
        let x: (Chain) -> Double = { useAcceptance ? $0.meanAcceptance : Double($0.chain + 1) }
        var marks: [Mark] = [.points(x: shownOrdinary.map(x), y: shownOrdinary.map(\.meanLogDensity),
                                     style: .init(color: Palette.blue, opacity: 0.6, width: 2.5, label: "chain"))]
        if !bad.isEmpty {
            marks.append(.points(x: bad.map(x), y: bad.map(\.meanLogDensity),
                                 style: .init(color: Palette.vermillion, width: 3.5, label: "outlier")))
        }
        let plot = Plot(id: "chains", title: "Chains: mean lp__ " + (useAcceptance ? "against mean acceptance" : "per chain"),
                        xLabel: useAcceptance ? "mean acceptance statistic" : "chain", yLabel: "mean lp__", width: 460, marks: marks)
        let rows = bad.prefix(200).map { [String($0.chain + 1), Cell.number($0.meanLogDensity), Cell.number($0.sdLogDensity),
                                           Cell.number($0.meanAcceptance, 2), $0.reasons.joined(separator: "; ")] }
        let table = HTMLTable(headers: ["chain", "mean lp__", "sd lp__", "mean acceptance", "why"], rows: rows, visibleRows: 10)
        let caption = bad.isEmpty ? "No chain is stuck, has low acceptance or sits far below the others (\(chains.count) chains)."
            : "\(bad.count) of \(chains.count) chains are outliers" + (bad.count > 200 ? " (the first 200 listed)." : ".")
        return Figure(plot: plot, caption: caption, table: bad.isEmpty ? nil : table)
    }
}
