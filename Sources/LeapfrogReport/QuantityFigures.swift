import LeapfrogDiagnostics
import LeapfrogPlot

/// The pictures of one scalar quantity (a parameter element, or `lp__`): trace, marginal
/// density and rank ECDF.
enum QuantityFigures {
    /// Draws over iterations. Up to eight chains: one line each, drawn through every draw or,
    /// past 500 draws, through each of 250 spans' smallest and largest draw (`Thinning.envelope`:
    /// no extreme is lost). More chains: the 5–95 % and 25–75 % bands and the median across
    /// chains at 250 evenly spaced iterations, with a few `highlighted` chains on top — never
    /// one line per chain.
    static func trace(id: String, name: String, draws: [[Double]], highlighted: [Int], xLabel: String = "draw (after warmup)") -> Plot {
        var marks: [Mark] = []
        if draws.count <= 8 {
            for (c, chain) in draws.enumerated() {
                marks.append(line(chain, style: .init(color: Palette.color(c), opacity: 0.8, width: 1, label: "chain \(c + 1)")))
            }
        } else {
            let index = Thinning.indices(draws.first?.count ?? 0, limit: 250)
            let x = index.map { Double($0 + 1) }
            let q = Thinning.acrossChains(draws, at: index, probs: [0.05, 0.25, 0.5, 0.75, 0.95])
            marks.append(.band(x: x, lower: q[0], upper: q[4], style: .init(color: Palette.skyBlue, opacity: 0.3, label: "5–95 % of chains")))
            marks.append(.band(x: x, lower: q[1], upper: q[3], style: .init(color: Palette.skyBlue, opacity: 0.6, label: "25–75 % of chains")))
            marks.append(.line(x: x, y: q[2], style: .init(color: Palette.blue, width: 1.5, label: "median of chains")))
            for (k, c) in highlighted.prefix(3).enumerated() where c < draws.count {
                marks.append(line(draws[c], style: .init(color: [Palette.vermillion, Palette.orange, Palette.reddishPurple][k],
                                                         opacity: 0.9, width: 1, label: "chain \(c + 1)")))
            }
        }
        return Plot(id: id, title: "Trace of \(name)", xLabel: xLabel, yLabel: name, width: 520, marks: marks)
    }

    /// One chain's line over its draws (1-based), min–max decimated past 500 draws.
    static func line(_ chain: [Double], style: Mark.Style) -> Mark {
        let (index, value) = Thinning.envelope(chain, spans: 250)
        return .line(x: index.map { Double($0 + 1) }, y: value, style: style)
    }

    /// The marginal density of all draws pooled: a Gaussian KDE (Silverman's bandwidth), the
    /// 90 % HDI shaded under it, the mean as a vertical line.
    static func density(id: String, name: String, draws: [[Double]], summary: ParameterSummary) -> Figure {
        let pooled = draws.flatMap { $0 }.filter(\.isFinite).sorted()
        // One distinct value has no density to estimate: a kernel of a fallback width would draw
        // an invented spike. The mean's rule and the table stay.
        guard let first = pooled.first, pooled.last != first else {
            let plot = Plot(id: id, title: "Marginal density of \(name)", xLabel: name, yLabel: "density", width: 420,
                            marks: [.verticalRule(x: summary.mean, style: .init(color: Palette.vermillion, width: 1, dashed: true, label: "mean"))])
            return Figure(plot: plot, caption: "\(pooled.count) finite draw\(pooled.count == 1 ? "" : "s") of \(name), all equal: "
                          + "no density to estimate.", table: HTMLTable(headers: ["statistic", "value"], rows: [["mean", Cell.number(summary.mean)]]))
        }
        let kde = KernelDensity(pooled, bandwidth: .silverman, points: 160)
        let hdi = HighestDensityInterval(sorted: pooled, prob: 0.9)
        var marks: [Mark] = []
        let inside = kde.grid.indices.filter { kde.grid[$0] >= hdi.lower && kde.grid[$0] <= hdi.upper }
        if !inside.isEmpty {
            marks.append(.band(x: inside.map { kde.grid[$0] }, lower: inside.map { _ in 0 }, upper: inside.map { kde.density[$0] },
                               style: .init(color: Palette.skyBlue, opacity: 0.4, label: "90 % HDI")))
        }
        marks.append(.line(x: kde.grid, y: kde.density, style: .init(color: Palette.blue, width: 1.5, label: "density (KDE)")))
        marks.append(.verticalRule(x: summary.mean, style: .init(color: Palette.vermillion, width: 1, dashed: true, label: "mean")))
        let plot = Plot(id: id, title: "Marginal density of \(name)", xLabel: name, yLabel: "density", width: 420, marks: marks)
        let table = HTMLTable(headers: ["statistic", "value"], rows: [
            ["mean", Cell.number(summary.mean)], ["sd", Cell.number(summary.sd)],
            ["5 %", Cell.number(summary.q5)], ["50 %", Cell.number(summary.q50)], ["95 %", Cell.number(summary.q95)],
            ["90 % HDI", "\(Cell.number(hdi.lower)) … \(Cell.number(hdi.upper))"],
            ["bandwidth", Cell.number(kde.bandwidth)],
            ["bulk ESS", Cell.integer(summary.essBulk)], ["tail ESS", Cell.integer(summary.essTail)],
            ["R̂", Cell.number(summary.rhat, 4)],
        ] + (summary.nestedRHat.map { [["nested R̂", Cell.number($0, 4)]] } ?? []))
        return Figure(plot: plot, caption: "Kernel density of all \(pooled.count) finite draws of \(name) (Silverman's bandwidth), "
                      + "its 90 % highest-density interval shaded.", table: table)
    }

    /// The rank ECDF difference of each chain group (Säilynoja, Bürkner & Vehtari 2022): flat
    /// lines inside the grey simultaneous 95 % band mean the groups agree.
    ///
    /// The band assumes independent draws; autocorrelated draws wander further and would leave it
    /// though the chains mix. So each chain is first thinned by t = ⌊S / bulk ESS⌋ (S all draws),
    /// which leaves about as many draws as the effective sample size, and then each group's draws
    /// to at most 1,000 (evenly spaced over its chains' draws).
    static func rank(id: String, name: String, draws: [[Double]], groups: [Range<Int>], ess: Double) -> Figure? {
        guard groups.count >= 2 else { return nil }
        let total = draws.reduce(0) { $0 + $1.count }
        let stride = ess.isFinite && ess >= 1 ? max(1, Int((Double(total) / ess).rounded(.down))) : 1
        let thinnedChains = draws.map { chain in Swift.stride(from: 0, to: chain.count, by: stride).map { chain[$0] } }
        let pooled = groups.map { g in thinnedChains[g].flatMap { $0 } }
        let size = min(pooled.map(\.count).min() ?? 0, 1000)
        guard size >= 2 else { return nil }
        let thinned = pooled.map { all in Thinning.indices(all.count, limit: size).map { all[$0] } }
        let ecdf = RankECDF(groups: thinned, points: min(40, size), level: 0.95)
        var marks: [Mark] = [.band(x: ecdf.points, lower: ecdf.lower, upper: ecdf.upper,
                                   style: .init(color: Palette.grey, opacity: 0.3, label: "95 % simultaneous band"))]
        let label: (Range<Int>) -> String = { $0.count == 1 ? "chain \($0.lowerBound + 1)" : "chains \($0.lowerBound + 1)–\($0.upperBound)" }
        for (l, d) in ecdf.differences.enumerated() {
            marks.append(.line(x: ecdf.points, y: d, style: .init(color: Palette.color(l), opacity: 0.9, width: 1.2,
                                                                   label: groups.count <= 8 ? label(groups[l]) : nil)))
        }
        let plot = Plot(id: id, title: "Rank ECDF difference of \(name)", xLabel: "fractional rank",
                        yLabel: "ECDF − uniform", width: 420, marks: marks)
        let rows = ecdf.differences.enumerated().map { l, d -> [String] in
            let outside = d.indices.contains { d[$0] < ecdf.lower[$0] - 1e-12 || d[$0] > ecdf.upper[$0] + 1e-12 }
            return [label(groups[l]), Cell.number(d.map(abs).max() ?? 0, 2), outside ? "outside" : "inside"]
        }
        return Figure(plot: plot, caption: "Ranks of \(name) over all groups pooled"
                      + (stride > 1 ? ", one draw in \(stride) of each chain (about one per effective draw)" : "") + "; each line is one "
                      + (groups[0].count == 1 ? "chain" : "group of \(groups[0].count) chains (the superchains of nested R̂)")
                      + ". A line leaving the band says that group samples a different distribution (γ = \(Cell.number(ecdf.gamma, 2)) pointwise).",
                      table: HTMLTable(headers: ["group", "max |diff|", "band"], rows: rows, visibleRows: 8))
    }
}
