import LeapfrogDiagnostics
import LeapfrogPlot

/// Pictures of the sampler's per-draw statistics: energy and E-BFMI, step size / tree depth /
/// acceptance over iterations, and divergences in parallel coordinates.
enum SamplerFigures {
    /// The marginal energy distribution (E − mean E, each chain centred) against the energy
    /// transitions (ΔE between consecutive draws), as ArviZ's `plot_energy`: when ΔE is much
    /// narrower than E, the momentum resampling cannot move the chain across energy levels
    /// (Betancourt 2016, "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte
    /// Carlo", arXiv:1604.00695). E-BFMI per chain in the table; below 0.3 is a warning.
    static func energy(_ energy: [[Double]]) -> Figure? {
        guard energy.count >= 1, (energy.first?.count ?? 0) >= 3 else { return nil }
        var centred: [Double] = [], transitions: [Double] = []
        for chain in energy {
            let m = chain.reduce(0, +) / Double(chain.count)
            centred += chain.map { $0 - m }
            transitions += zip(chain.dropFirst(), chain).map { $0 - $1 }
        }
        centred = centred.filter(\.isFinite)
        transitions = transitions.filter(\.isFinite)
        let all = centred + transitions
        guard let lo = all.min(), let hi = all.max(), hi > lo else { return nil }
        let bins = 40
        let edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
        func histogram(_ x: [Double]) -> [Double] {
            var h = [Double](repeating: 0, count: bins)
            for v in x { h[min(Int((v - lo) / (hi - lo) * Double(bins)), bins - 1)] += 1 }
            let width = (hi - lo) / Double(bins)
            return h.map { $0 / (Double(x.count) * width) }
        }
        let plot = Plot(id: "energy", title: "Energy", xLabel: "energy (centred per chain)", yLabel: "density", width: 460, marks: [
            .histogram(edges: edges, heights: histogram(centred), style: .init(color: Palette.blue, opacity: 0.45, label: "marginal energy")),
            .histogram(edges: edges, heights: histogram(transitions), style: .init(color: Palette.orange, opacity: 0.45, label: "energy transition")),
        ])
        let ebfmi = EBFMI.perChain(energy: energy)
        let finite = ebfmi.filter(\.isFinite).sorted()
        let low = ebfmi.indices.filter { ebfmi[$0] < 0.3 }
        var rows = [["chains", String(energy.count)],
                    ["E-BFMI min", Cell.number(finite.first ?? .nan, 3)],
                    ["E-BFMI median", Cell.number(Quantile.of(sorted: finite, prob: 0.5), 3)],
                    ["chains below 0.3", String(low.count)]]
        if !low.isEmpty {
            rows.append(["those chains", low.prefix(20).map { String($0 + 1) }.joined(separator: ", ") + (low.count > 20 ? ", …" : "")])
        }
        return Figure(plot: plot, caption: "When the transition histogram is much narrower than the marginal one (E-BFMI < 0.3), "
                      + "the sampler explores the energy levels slowly.", table: HTMLTable(headers: ["E-BFMI", "value"], rows: rows))
    }

    /// A per-draw statistic over iterations: one line per chain up to eight chains (min–max
    /// decimated past 500 draws, as the traces); else the median and 5–95 % band across chains
    /// (at most 250 iterations drawn).
    static func overIterations(id: String, name: String, values: [[Double]]) -> Figure? {
        guard let n = values.first?.count, n >= 1 else { return nil }
        var marks: [Mark] = []
        if values.count <= 8 {
            for (c, chain) in values.enumerated() {
                marks.append(QuantityFigures.line(chain, style: .init(color: Palette.color(c), opacity: 0.8, width: 1,
                                                                      label: values.count > 1 ? "chain \(c + 1)" : nil)))
            }
        } else {
            let index = Thinning.indices(n, limit: 250)
            let x = index.map { Double($0 + 1) }
            let q = Thinning.acrossChains(values, at: index, probs: [0.05, 0.5, 0.95])
            marks.append(.band(x: x, lower: q[0], upper: q[2], style: .init(color: Palette.skyBlue, opacity: 0.4, label: "5–95 % of chains")))
            marks.append(.line(x: x, y: q[1], style: .init(color: Palette.blue, label: "median of chains")))
        }
        let all = values.flatMap { $0 }.filter(\.isFinite)
        let mean = all.isEmpty ? .nan : all.reduce(0, +) / Double(all.count)
        let plot = Plot(id: id, title: "\(name) over iterations", xLabel: "draw (after warmup)", yLabel: name, width: 460, marks: marks)
        return Figure(plot: plot, caption: "", table: HTMLTable(headers: [name, "value"], rows: [
            ["mean", Cell.number(mean)], ["min", Cell.number(all.min() ?? .nan)], ["max", Cell.number(all.max() ?? .nan)],
        ]))
    }

    /// Parallel coordinates of a few quantities, each scaled to [0, 1] by its 1 %–99 % range:
    /// at most 200 ordinary draws in grey and at most 200 divergent draws in vermillion, so one
    /// can see where divergences concentrate (e.g. a small scale parameter).
    static func parallelCoordinates(names: [String], columns: [[Double]], diverging: [Bool]) -> Figure? {
        guard names.count >= 2, let n = columns.first?.count, n > 0 else { return nil }
        let ranges = columns.map { c -> (Double, Double) in
            let q = Quantile.of(c, probs: [0.01, 0.99])
            return (q[0], q[1] > q[0] ? q[1] : q[0] + 1)
        }
        let axisX = names.indices.map(Double.init)
        func line(_ i: Int) -> [Double] {
            columns.indices.map { k in min(max((columns[k][i] - ranges[k].0) / (ranges[k].1 - ranges[k].0), -0.05), 1.05) }
        }
        let divergent = (0..<n).filter { diverging[$0] }, ordinary = (0..<n).filter { !diverging[$0] }
        var marks: [Mark] = []
        for (j, i) in Thinning.indices(ordinary.count, limit: 200).map({ ordinary[$0] }).enumerated() {
            marks.append(.line(x: axisX, y: line(i), style: .init(color: Palette.grey, opacity: 0.25, width: 0.7,
                                                                label: j == 0 ? "draw" : nil)))
        }
        for (j, i) in Thinning.indices(divergent.count, limit: 200).map({ divergent[$0] }).enumerated() {
            marks.append(.line(x: axisX, y: line(i), style: .init(color: Palette.vermillion, opacity: 0.6, width: 0.9,
                                                                label: j == 0 ? "divergent draw" : nil)))
        }
        for x in axisX { marks.append(.verticalRule(x: x, style: .init(color: "#666", width: 0.6))) }
        let plot = Plot(id: "divergences", title: "Divergences in parallel coordinates",
                        yLabel: "scaled (1 %–99 % range)", width: max(560, Double(names.count) * 80 + 170), marks: marks,
                        yRange: -0.05...1.05, xCategories: names)
        let table = HTMLTable(headers: ["quantity", "1 %", "99 %"], rows: names.indices.map {
            [names[$0], Cell.number(ranges[$0].0), Cell.number(ranges[$0].1)]
        })
        return Figure(plot: plot, caption: "\(divergent.count) of \(n) draws diverged"
                      + (divergent.isEmpty ? "." : "; their lines (vermillion) show which values they concern."), table: table)
    }
}
