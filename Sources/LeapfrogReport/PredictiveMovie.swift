import LeapfrogData
import LeapfrogPlot

/// Edward's movie of the posterior predictive as ADVI learns, from `predictive.csv`
/// (``PredictiveSnapshots``): per 1-D quantity, one animated plot with a frame per snapshot
/// iteration — the 90 % and 50 % bands and the mean over the grid, the observed data on top, the
/// iteration in the corner — played as a loop by SMIL in the SVG itself (``PlotFrame``; no script),
/// with axes fixed over all frames; and the last frame as a still, with its numbers beside it.
/// x comes from the model's grid as for the sampled predictive (``PredictiveGrid``).
enum PredictiveMovie {
    /// The animation and the still of every quantity in `snapshots`, in that order per quantity.
    static func figures(_ snapshots: PredictiveSnapshots, data: DataSet?) -> [Figure] {
        var out: [Figure] = []
        for name in snapshots.names {
            let frames = snapshots.frames.compactMap { f in f.quantities[name].map { (f.iteration, $0) } }
            guard let count = frames.last?.1.count, count >= 1 else { continue }
            let grid = PredictiveGrid.find(for: name, count: count, in: data)
            let id = RunReport.identifier(name)
            let plotFrames = frames.map { iteration, summaries in
                PlotFrame(label: "iteration \(iteration)", marks: marks(summaries, grid: grid))
            }
            var movie = Plot(id: "movie-" + id, title: "Posterior predictive while fitting: \(name)", xLabel: grid.xLabel,
                             yLabel: name, width: 640, height: 360)
            movie.frames = plotFrames
            let iterations = frames.map(\.0)
            out.append(Figure(plot: movie, caption: "One frame per snapshot (iterations \(iterations.first!)–\(iterations.last!), "
                              + "\(frames.count) frames, \(Cell.number(movie.frameSeconds, 2)) s each, looping): the mean and "
                              + "the central 50 % and 90 % intervals of \(name) over draws of the variational family at that "
                              + "iteration" + (grid.observed == nil ? "." : ", with the observed data."), table: nil))
            let (lastIteration, last) = frames.last!
            let order = grid.x.indices.sorted { grid.x[$0] < grid.x[$1] }
            // The still on the movie's axes: the same data extent gives the same nice ticks.
            let all = plotFrames.flatMap(\.marks)
            let xs = all.flatMap(\.xValues), ys = all.flatMap(\.yValues)
            let still = Plot(id: "final-" + id, title: "Posterior predictive at iteration \(lastIteration): \(name)",
                             xLabel: grid.xLabel, yLabel: name, width: 640, height: 360, marks: marks(last, grid: grid),
                             xRange: (xs.min() ?? 0)...(xs.max() ?? 1), yRange: (ys.min() ?? 0)...(ys.max() ?? 1))
            let table = HTMLTable(headers: ["x", "mean", "5 %", "25 %", "75 %", "95 %"], rows: order.map { i in
                let s = last[i]
                return [Cell.number(grid.x[i]), Cell.number(s.mean), Cell.number(s.q5), Cell.number(s.q25 ?? .nan),
                        Cell.number(s.q75 ?? .nan), Cell.number(s.q95)]
            }, visibleRows: 8)
            out.append(Figure(plot: still, caption: "The last frame (iteration \(lastIteration)) as a still.", table: table))
        }
        return out
    }

    /// The 90 % band, the 50 % band (when the file has it), the mean, then the observed points.
    static func marks(_ summaries: [PredictiveSnapshots.Summary], grid: PredictiveGrid) -> [Mark] {
        let order = grid.x.indices.filter { $0 < summaries.count }.sorted { grid.x[$0] < grid.x[$1] }
        let x = order.map { grid.x[$0] }, s = order.map { summaries[$0] }
        var marks: [Mark] = [
            .band(x: x, lower: s.map(\.q5), upper: s.map(\.q95),
                  style: .init(color: Palette.skyBlue, opacity: 0.35, label: "90 % band")),
        ]
        if s.allSatisfy({ $0.q25 != nil && $0.q75 != nil }) {
            marks.append(.band(x: x, lower: s.map { $0.q25! }, upper: s.map { $0.q75! },
                               style: .init(color: Palette.skyBlue, opacity: 0.7, label: "50 % band")))
        }
        marks.append(.line(x: x, y: s.map(\.mean), style: .init(color: Palette.blue, width: 2, label: "mean")))
        if let o = grid.observed {
            marks.append(.points(x: o.x, y: o.y, style: .init(color: Palette.black, opacity: 0.8, width: 2.5, label: "observed")))
        }
        return marks
    }
}
