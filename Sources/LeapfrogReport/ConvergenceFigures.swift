import LeapfrogDiagnostics
import LeapfrogPlot

/// R̂ and ESS of every parameter, and a forest plot per vector parameter.
enum ConvergenceFigures {
    /// At most this many rows in a dot plot; beyond it, the worst by R̂ are shown.
    static let maximumRows = 60

    /// R̂ per parameter (and nested R̂ when computed) as dots, with the 1.01 threshold.
    /// Nil when no quantity has an R̂ (one chain, or a variational fit's draws: R̂ needs two
    /// chains, as ArviZ's), rather than an empty chart.
    static func rhat(_ summaries: [ParameterSummary]) -> Figure? {
        guard summaries.contains(where: { $0.rhat.isFinite || ($0.nestedRHat?.isFinite ?? false) }) else { return nil }
        let shown = worst(summaries)
        let names = shown.map(\.name)
        var plot = Plot(id: "rhat", title: "R̂ per quantity", xLabel: "R̂ (rank-normalised split)",
                        width: 460, height: Double(max(names.count, 4)) * 13 + 70, yCategories: names)
        plot.marks = [
            .verticalRule(x: 1.01, style: .init(color: Palette.vermillion, width: 1, dashed: true, label: "1.01")),
            .points(x: shown.map(\.rhat), y: names.indices.map(plot.categoryY), style: .init(color: Palette.blue, width: 3, label: "R̂")),
        ]
        if shown.contains(where: { $0.nestedRHat != nil }) {
            plot.marks.append(.points(x: shown.map { $0.nestedRHat ?? .nan }, y: names.indices.map(plot.categoryY),
                                      style: .init(color: Palette.orange, width: 3, label: "nested R̂")))
        }
        let xs = shown.map(\.rhat).filter(\.isFinite) + [1, 1.01]
        plot.xRange = (xs.min() ?? 1)...(xs.max() ?? 1.01)
        return Figure(plot: plot, caption: caption(summaries.count, shown.count, "R̂"), table: nil)
    }

    /// Bulk and tail ESS per parameter as dots, with the 400 threshold.
    static func ess(_ summaries: [ParameterSummary]) -> Figure {
        let shown = worst(summaries)
        let names = shown.map(\.name)
        var plot = Plot(id: "ess", title: "Effective sample size per quantity", xLabel: "ESS (all chains)",
                        width: 460, height: Double(max(names.count, 4)) * 13 + 70, yCategories: names)
        plot.marks = [
            .verticalRule(x: 400, style: .init(color: Palette.vermillion, width: 1, dashed: true, label: "400")),
            .points(x: shown.map(\.essBulk), y: names.indices.map(plot.categoryY), style: .init(color: Palette.blue, width: 3, label: "bulk")),
            .points(x: shown.map(\.essTail), y: names.indices.map(plot.categoryY), style: .init(color: Palette.orange, width: 3, label: "tail")),
        ]
        let xs = (shown.map(\.essBulk) + shown.map(\.essTail)).filter(\.isFinite) + [0, 400]
        plot.xRange = 0...(xs.max() ?? 400)
        return Figure(plot: plot, caption: caption(summaries.count, shown.count, "ESS"), table: nil)
    }

    /// A vector parameter's elements: median dot, 25–75 % (thick) and 5–95 % (thin) intervals.
    static func forest(id: String, variable: String, _ summaries: [ParameterSummary], quartiles: [(Double, Double)]) -> Figure {
        let shown = Array(summaries.prefix(maximumRows))
        let names = shown.map(\.name)
        var plot = Plot(id: id, title: "\(variable): intervals per element", xLabel: variable, width: 460,
                        height: Double(max(names.count, 3)) * 13 + 70, yCategories: names)
        let ys = names.indices.map(plot.categoryY)
        plot.marks = [
            .segments(shown.indices.map { .init(x1: shown[$0].q5, y1: ys[$0], x2: shown[$0].q95, y2: ys[$0]) },
                      style: .init(color: Palette.blue, width: 1, label: "5–95 %")),
            .segments(shown.indices.map { .init(x1: quartiles[$0].0, y1: ys[$0], x2: quartiles[$0].1, y2: ys[$0]) },
                      style: .init(color: Palette.blue, width: 3.5, label: "25–75 %")),
            .points(x: shown.map(\.q50), y: ys, style: .init(color: Palette.vermillion, width: 2.5, label: "median")),
        ]
        let table = HTMLTable(headers: ["element", "mean", "sd", "5 %", "95 %", "bulk ESS", "R̂"], rows: summaries.map {
            [$0.name, Cell.number($0.mean), Cell.number($0.sd), Cell.number($0.q5), Cell.number($0.q95),
             Cell.integer($0.essBulk), Cell.number($0.rhat, 4)]
        }, visibleRows: 10)
        return Figure(plot: plot, caption: summaries.count > shown.count
                      ? "The first \(shown.count) of \(summaries.count) elements; the table lists all." : "Every element of \(variable).",
                      table: table)
    }

    /// The quantities with the largest R̂ first when there are too many to show, else all in order.
    static func worst(_ s: [ParameterSummary]) -> [ParameterSummary] {
        guard s.count > maximumRows else { return s }
        return Array(s.sorted { ($0.rhat.isNaN ? .infinity : $0.rhat) > ($1.rhat.isNaN ? .infinity : $1.rhat) }.prefix(maximumRows))
    }

    private static func caption(_ all: Int, _ shown: Int, _ what: String) -> String {
        all > shown ? "The \(shown) quantities with the largest R̂ of \(all); the summary table lists all." : "\(what) of all \(all) quantities."
    }
}
