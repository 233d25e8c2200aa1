import LeapfrogDiagnostics
import LeapfrogOutput
import LeapfrogPlot

/// The posterior predictive of a derived quantity over a grid: the mean, the 50 % and 90 %
/// bands (quantiles over all draws at each grid point) and the observed data as points.
enum PredictiveFigure {
    static func make(id: String, name: String, elements: [FlatDraws], grid: PredictiveGrid) -> Figure {
        var mean: [Double] = [], q: [[Double]] = [[], [], [], []]
        for e in elements {
            let pooled = e.draws.flatMap { $0 }.filter(\.isFinite)
            mean.append(pooled.isEmpty ? .nan : pooled.reduce(0, +) / Double(pooled.count))
            let qs = Quantile.of(pooled, probs: [0.05, 0.25, 0.75, 0.95])
            for k in 0..<4 { q[k].append(qs[k]) }
        }
        // Sort by x so bands are drawn left to right whatever the grid's order.
        let order = grid.x.indices.sorted { grid.x[$0] < grid.x[$1] }
        let x = order.map { grid.x[$0] }
        var marks: [Mark] = [
            .band(x: x, lower: order.map { q[0][$0] }, upper: order.map { q[3][$0] },
                  style: .init(color: Palette.skyBlue, opacity: 0.35, label: "90 % band")),
            .band(x: x, lower: order.map { q[1][$0] }, upper: order.map { q[2][$0] },
                  style: .init(color: Palette.skyBlue, opacity: 0.7, label: "50 % band")),
            .line(x: x, y: order.map { mean[$0] }, style: .init(color: Palette.blue, width: 2, label: "mean")),
        ]
        if let o = grid.observed {
            marks.append(.points(x: o.x, y: o.y, style: .init(color: Palette.black, opacity: 0.8, width: 2.5, label: "observed")))
        }
        let plot = Plot(id: id, title: "Posterior predictive: \(name)", xLabel: grid.xLabel, yLabel: name, width: 640, height: 360,
                        marks: marks)
        let table = HTMLTable(headers: ["x", "mean", "5 %", "25 %", "75 %", "95 %"], rows: order.map { i in
            [Cell.number(grid.x[i]), Cell.number(mean[i]), Cell.number(q[0][i]), Cell.number(q[1][i]),
             Cell.number(q[2][i]), Cell.number(q[3][i])]
        }, visibleRows: 8)
        return Figure(plot: plot, caption: "Mean and central 50 % and 90 % intervals of \(name) over all draws at each grid point"
                      + (grid.observed == nil ? "." : ", with the observed data."), table: table)
    }
}
