import LeapfrogCore
import LeapfrogData
import LeapfrogPlot

/// A variational run's objective over iterations, from `elbo.csv` (columns `iteration` and
/// `elbo`) beside the draws: the raw trace and a centred moving average over max(1, n/50)
/// iterations. This is the hook for the VI command: it writes `elbo.csv`, and the report
/// shows it (the posterior-predictive movie from `predictive.csv` is ``PredictiveMovie``).
enum ELBOTrace {
    static func figure(path: String) throws -> Figure {
        let table = try CSVTable.load(path: path)
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
        let last = smooth.last ?? .nan
        return Figure(plot: plot, caption: "The variational objective from \(path).",
                      table: HTMLTable(headers: ["ELBO", "value"], rows: [["iterations", String(y.count)], ["final (smoothed)", Cell.number(last)]]))
    }
}
