import LeapfrogCore
/// A fixed-width text table of parameter summaries, laid out like CmdStan's `stansummary`:
///
///     name       Mean    MCSE  StdDev      5%     50%    95%  ESS_bulk  ESS_tail  R_hat
///     mu         4.39    0.12    3.31   -1.01    4.42   9.79       801       855  1.004
///
/// Names are left-aligned in a column as wide as the longest name (long names are never cut);
/// numbers are right-aligned. Mean, MCSE (of the mean), StdDev and the quantiles have
/// ``significantDigits`` significant digits (default 3, scientific outside [10⁻³, 10⁶)); ESS
/// columns are whole numbers; R_hat has 3 decimals, so 1.012 is distinguishable from the 1.01
/// threshold. A column `nR_hat` (nested R̂) is added when any summary has one. NaN prints as
/// "NaN".
public struct SummaryTable: Sendable, Hashable, CustomStringConvertible {
    public var summaries: [ParameterSummary]
    public var significantDigits: Int

    public init(_ summaries: [ParameterSummary], significantDigits: Int = 3) {
        self.summaries = summaries
        self.significantDigits = significantDigits
    }

    /// The column headers, in order.
    public var headers: [String] {
        var h = ["name", "Mean", "MCSE", "StdDev", "5%", "50%", "95%", "ESS_bulk", "ESS_tail", "R_hat"]
        if hasNested { h.append("nR_hat") }
        return h
    }

    private var hasNested: Bool { summaries.contains { $0.nestedRHat != nil } }

    private func cells(_ s: ParameterSummary) -> [String] {
        let g = { (x: Double) in NumberFormat.significant(x, digits: significantDigits) }
        var row = [s.name, g(s.mean), g(s.mcseMean), g(s.sd), g(s.q5), g(s.q50), g(s.q95),
                   NumberFormat.integer(s.essBulk), NumberFormat.integer(s.essTail),
                   NumberFormat.fixed(s.rhat, decimals: 3)]
        if hasNested { row.append(s.nestedRHat.map { NumberFormat.fixed($0, decimals: 3) } ?? "") }
        return row
    }

    /// The table, one line per summary after the header, each line ending in "\n".
    public func render() -> String {
        let rows = [headers] + summaries.map(cells)
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        let gap = "  "
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += i == 0 ? cell + pad : gap + pad + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    public var description: String { render() }
}
