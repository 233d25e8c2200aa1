import LeapfrogCore
import LeapfrogData
import LeapfrogPlot

/// A variational run's objective over iterations, from `elbo.csv` (columns `iteration` and
/// `elbo`) beside the draws: the raw trace and a centred moving average over max(1, n/50)
/// iterations. This is the hook for the VI command: it writes `elbo.csv`, and the report
/// shows it (the posterior-predictive movie from `predictive.csv` is ``PredictiveMovie``).
enum ELBOTrace {
    static func figure(path: String) throws -> Figure {
        // `nan` marks a restart pruned by successive halving (and an estimate that failed).
        let table = try CSVTable.load(path: path, nonFinite: true)
        let y = try table.column("elbo")
        let x = (try? table.column("iteration")) ?? y.indices.map { Double($0 + 1) }
        let half = max(1, y.count / 50) / 2
        let smooth = y.indices.map { i -> Double in
            let w = y[max(0, i - half)...min(y.count - 1, i + half)].filter(\.isFinite)
            return w.isEmpty ? .nan : w.reduce(0, +) / Double(w.count)
        }
        let plot = Plot(id: "elbo", title: "ELBO", xLabel: "iteration", yLabel: "ELBO", width: 560, marks: [
            .line(x: x, y: y, style: .init(color: Palette.skyBlue, opacity: 0.7, width: 1, label: "raw")),
            .line(x: x, y: smooth, style: .init(color: Palette.blue, width: 2, label: "moving average")),
        ])
        // The fit's own ELBO is its last convergence window's mean (`elbo_mean`), as the command
        // line and variational.json report it; a trace without that column gets the moving average.
        let windowMean = (try? table.column("elbo_mean"))?.last(where: \.isFinite)
        let final = windowMean.map { ["final (mean over the last convergence window)", Cell.number($0)] }
            ?? ["final (moving average)", Cell.number(smooth.last ?? .nan)]
        return Figure(plot: plot, caption: "The variational objective from \(path).",
                      table: HTMLTable(headers: ["ELBO", "value"], rows: [["iterations", String(y.count)], final]))
    }
}
