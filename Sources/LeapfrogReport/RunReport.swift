#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogOutput
import LeapfrogPlot

/// A run's pictures in one HTML page (`report.html`, inline SVG, no script, nothing fetched),
/// each picture also as its own `.svg`.
///
/// What it shows: the posterior predictive of every derived quantity over a grid (names with
/// `grid`; see ``PredictiveGrid`` for where x comes from); R̂ and ESS of every quantity; the
/// chains that are outliers; trace, marginal density and rank ECDF of `lp__` and a few
/// parameters (every scalar, the first two elements of each vector, twelve in all); a forest
/// plot per vector parameter; divergences in parallel coordinates; energy and E-BFMI; step
/// size, tree depth and acceptance over iterations; the summary table; and, for a variational
/// run with `elbo.csv`, the ELBO, and with `predictive.csv` the posterior predictive as it learns
/// (``PredictiveMovie``: an animated SVG, one frame per snapshot, and its last frame). With many chains, traces are quantile bands across chains
/// with a few chains highlighted, rank plots are over chain groups (superchains), and no
/// picture draws more than a few hundred lines, so 4,096 chains make a page of a few hundred KB.
public enum RunReport {
    /// At most this many quantities get trace, density and rank figures.
    static let shownQuantities = 12
    /// At most this many vector parameters get a forest plot.
    static let forestVariables = 8

    /// Writes the report of the run at `input` (a run directory, a `posterior.nc` or one Stan
    /// CSV file) into the directory `output` (created if needed); returns the files written,
    /// `report.html` first.
    public static func write(from input: URL, to output: URL) throws -> [URL] {
        try write(inputs: [input.path], to: output.path).map { URL(fileURLWithPath: $0) }
    }

    /// Writes the report of `inputs` (a run directory, one `posterior.nc`, or Stan CSV files) into
    /// `directory` — by default `report/` beside the draws; returns the paths written,
    /// `report.html` first.
    @discardableResult
    public static func write(inputs: [String], to directory: String? = nil) throws -> [String] {
        let input = try RunInput(paths: inputs)
        let out = directory ?? RunInput.join(input.directory, "report")
        let (page, figures) = try build(input)
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw LeapfrogError(.io, "cannot create the report directory '\(out)': \(FileSystem.lastError())")
        }
        let html = RunInput.join(out, "report.html")
        var written = [html]
        try save(page.html(), to: html)
        for f in figures {
            let path = RunInput.join(out, f.fileName)
            try save(f.plot.svg(), to: path)
            written.append(path)
        }
        return written
    }

    private static func save(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw LeapfrogError(.io, "cannot write '\(path)': \(FileSystem.lastError())")
        }
    }

    /// A file-name-safe id: `]` dropped, other characters than letters, digits, `_` and `-` become `-`
    /// (`W1[2,5]` → `W1-2-5`).
    static func identifier(_ s: String) -> String {
        var id = String(s.compactMap { c -> Character? in
            if c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-") { return c }
            return c == "]" ? nil : "-"
        })
        while id.hasSuffix("-") { id.removeLast() }
        return id
    }

    /// The page and its figures, in page order.
    static func build(_ input: RunInput) throws -> (ReportPage, [Figure]) {
        let summary = try input.summary.map { try SummaryFile.read(path: $0) }
        let run = try RunDraws(input)
        let config = summary?.configuration ?? [:]
        let superchains = config["superchains"].flatMap { Int($0) }.flatMap { $0 > 1 && run.chains % $0 == 0 ? $0 : nil }
        let target = config["target_accept"].flatMap { Double($0) } ?? 0.8
        let model = config["model"] ?? run.modelName
        let data = PredictiveGrid.data(model: model, dataPath: config["data"] ?? run.dataPath,
                                       options: config["model_options"])
        let groups = Thinning.chainGroups(chains: run.chains, superchains: superchains)

        var outliers: OutlierChains?
        if let lp = run.logDensity, run.fittedBy == nil, run.chains >= 3 {
            outliers = OutlierChains(logDensity: lp, acceptance: run.statistics["acceptance_rate"], targetAcceptance: target)
        }
        // Highlighted in many-chain traces: chain 1, outliers, else the chains of lowest and highest mean lp__.
        var highlighted = (outliers?.outliers.map(\.chain) ?? []).prefix(2).map { $0 }
        if !highlighted.contains(0) { highlighted.insert(0, at: 0) }
        if let chains = outliers?.chains.filter({ $0.meanLogDensity.isFinite }), highlighted.count < 3 {
            for c in [chains.min { $0.meanLogDensity < $1.meanLogDensity }, chains.max { $0.meanLogDensity < $1.meanLogDensity }]
            where c != nil && highlighted.count < 3 && !highlighted.contains(c!.chain) {
                highlighted.append(c!.chain)
            }
        }

        // Read every variable once: summaries for all, draws kept for the few shown.
        var summaries: [ParameterSummary] = []
        var shown: [FlatDraws] = []
        var predictive: [Figure] = []
        var forests: [Figure] = []
        if let lp = run.logDensity {
            shown.append(FlatDraws(name: "lp__", draws: lp))
            summaries.append(summarize(name: "lp__", draws: lp, superchains: superchains))
        }
        let scalarsFirst = run.variables.filter { $0.count == 1 } + run.variables.filter { $0.count > 1 }
        var wanted = Set<String>()
        for v in scalarsFirst where wanted.count + shown.count < shownQuantities && !v.name.lowercased().contains("grid") {
            for name in v.elementNames.prefix(2) where wanted.count + shown.count < shownQuantities { wanted.insert(name) }
        }
        var shownByName: [String: FlatDraws] = [:]
        for v in run.variables {
            let elements = try run.elements(v)
            let s = summarize(elements.map { ($0.name, Draws($0.draws)) }, superchains: superchains)
            summaries += s
            for e in elements where wanted.contains(e.name) { shownByName[e.name] = e }
            if v.shape.count == 1, v.count >= 3, v.name.lowercased().contains("grid") {
                let grid = PredictiveGrid.find(for: v.name, count: v.count, in: data)
                predictive.append(PredictiveFigure.make(id: "predictive-" + identifier(v.name), name: v.name, elements: elements, grid: grid))
            } else if v.count >= 2, forests.count < forestVariables {
                let quartiles = elements.map { e -> (Double, Double) in
                    let q = Quantile.of(e.draws.flatMap { $0 }, probs: [0.25, 0.75])
                    return (q[0], q[1])
                }
                forests.append(ConvergenceFigures.forest(id: "forest-" + identifier(v.name), variable: v.name, s, quartiles: quartiles))
            }
        }
        for v in scalarsFirst { for name in v.elementNames where wanted.contains(name) { if let e = shownByName[name] { shown.append(e) } } }

        var sections: [Section] = []
        if !predictive.isEmpty {
            sections.append(Section(title: "Posterior predictive", text: "Derived quantities over a grid.", figures: predictive))
        }
        if let path = input.elbo {
            sections.append(Section(title: "Variational objective", text: "", figures: [try ELBOTrace.figure(path: path)]))
        }
        if let path = input.predictive {
            let movie = PredictiveMovie.figures(try PredictiveSnapshots.load(path: path), data: data)
            if !movie.isEmpty {
                sections.append(Section(title: "Posterior predictive while fitting", text: "From \(path): the predictive "
                                        + "of the variational family as it learns (Edward's movie), then its last frame.",
                                        figures: movie, rowsBreakAt: "movie-"))
            }
        }
        let rhat = ConvergenceFigures.rhat(summaries)
        var convergence = (rhat.map { [$0] } ?? []) + [ConvergenceFigures.ess(summaries)]
        if let outliers { convergence.append(outliers.figure()) }
        sections.append(Section(title: "Convergence", text: "Rank-normalised split R̂ and bulk/tail ESS (Vehtari, Gelman, Simpson, "
                                + "Carpenter & Bürkner 2021)" + (superchains.map { "; nested R̂ over \($0) superchains (Margossian et al. 2024)" } ?? "")
                                + (rhat == nil ? (run.chains < 2 ? "; no R̂ here: it compares chains, and this run has one (as ArviZ, R̂ needs two)"
                                                 : "; no R̂ here: none could be computed (constant or non-finite draws)") : "")
                                + ".", figures: convergence))
        var quantityFigures: [Figure] = []
        for q in shown {
            let id = identifier(q.name)
            guard let s = summaries.first(where: { $0.name == q.name }) else { continue }
            let xLabel = run.fittedBy == nil ? "draw (after warmup)" : "draw from the fitted approximation"
            quantityFigures.append(Figure(plot: QuantityFigures.trace(id: "trace-" + id, name: q.name, draws: q.draws, highlighted: highlighted,
                                                                      xLabel: xLabel),
                                          caption: "", table: nil))
            quantityFigures.append(QuantityFigures.density(id: "density-" + id, name: q.name, draws: q.draws, summary: s))
            if let r = QuantityFigures.rank(id: "rank-" + id, name: q.name, draws: q.draws, groups: groups, ess: s.essBulk) { quantityFigures.append(r) }
        }
        let traceText = run.chains <= 8 ? "One line per chain."
            : "Quantile bands across the \(run.chains) chains, with chains \(highlighted.map { String($0 + 1) }.joined(separator: ", ")) drawn on top; "
                + "rank plots over \(groups.count) groups of \(groups[0].count) chains."
        sections.append(Section(title: "Traces, densities and ranks", text: traceText, figures: quantityFigures, rowsBreakAt: "trace-"))
        if !forests.isEmpty { sections.append(Section(title: "Vector parameters", text: "", figures: forests)) }

        var samplerFigures: [Figure] = []
        if let div = run.statistics["diverging"] {
            let pc = shown.prefix(8)
            let flags = div.flatMap { $0 }.map { $0 != 0 }
            if let f = SamplerFigures.parallelCoordinates(names: pc.map(\.name), columns: pc.map { $0.draws.flatMap { $0 } }, diverging: flags) {
                samplerFigures.append(f)
            }
        }
        if let energy = run.statistics["energy"], let f = SamplerFigures.energy(energy) { samplerFigures.append(f) }
        var constant: [[String]] = []
        for (stat, label) in [("step_size", "step size"), ("tree_depth", "tree depth"), ("n_steps", "leapfrog steps"),
                              ("acceptance_rate", "acceptance statistic")] {
            guard let values = run.statistics[stat] else { continue }
            // A statistic that never changes (ChEES's tree depth, a shared step size) is a line in a table, not a picture.
            let first = values.first?.first
            if let first, values.allSatisfy({ $0.allSatisfy { $0 == first } }) {
                constant.append([label, Cell.number(first, 4)])
            } else if let f = SamplerFigures.overIterations(id: identifier(stat), name: label, values: values) {
                samplerFigures.append(f)
            }
        }
        if !samplerFigures.isEmpty || !constant.isEmpty {
            sections.append(Section(title: "Sampler", text: "", figures: samplerFigures,
                                    tables: constant.isEmpty ? [] : [HTMLTable(headers: ["statistic", "the same for every chain and draw"], rows: constant)]))
        }

        let table = HTMLTable(headers: ["quantity", "mean", "sd", "5 %", "50 %", "95 %", "MCSE", "bulk ESS", "tail ESS", "R̂"]
                              + (superchains == nil ? [] : ["nested R̂"]), rows: summaries.map { p in
            [p.name, Cell.number(p.mean), Cell.number(p.sd), Cell.number(p.q5), Cell.number(p.q50), Cell.number(p.q95),
             Cell.number(p.mcseMean, 2), Cell.integer(p.essBulk), Cell.integer(p.essTail), Cell.number(p.rhat, 4)]
                + (superchains == nil ? [] : [Cell.number(p.nestedRHat ?? .nan, 4)])
        }, visibleRows: 25)
        sections.append(Section(title: "Summary", text: "", figures: [], tables: [table]))

        let warnings: [String]
        if let summary {
            warnings = summary.warnings
        } else {
            let div = run.statistics["diverging"]?.joined().filter { $0 != 0 }.count ?? 0
            let energy = run.statistics["energy"]
            warnings = DiagnosticWarnings(summaries: summaries, divergentCount: div, totalDraws: run.chains * run.draws,
                                          ebfmi: energy.map { EBFMI.perChain(energy: $0) } ?? [],
                                          logDensity: run.logDensity ?? []).warnings.map(\.message)
        }
        var facts: [(String, String)] = [("draws from", run.source), ("model", model ?? "unknown"),
                                         ("chains × draws", "\(run.chains) × \(run.draws)")]
        if let fitted = run.fittedBy {
            facts.append(("method", fitted + ": draws from a fitted approximation, independent (no chains to compare)"))
        }
        if let summary {
            if run.fittedBy == nil { facts.append(("sampler", config["sampler"] ?? "?")) }
            facts.append(("back end", summary.backend + (summary.device.map { " (\($0))" } ?? "")))
            if run.fittedBy == nil {
                facts.append(("divergences", String(summary.divergences)))
                facts.append(("time", "warmup \(Cell.number(summary.timing.warmupSeconds)) s, sampling \(Cell.number(summary.timing.samplingSeconds)) s"))
            } else {
                facts.append(("time", "fit \(Cell.number(summary.timing.warmupSeconds)) s, draws \(Cell.number(summary.timing.samplingSeconds)) s"))
            }
            if summary.interrupted { facts.append(("interrupted", "yes: the draws stop early")) }
        }
        let page = ReportPage(title: "Leapfrog report: \(model ?? run.source)", facts: facts, warnings: warnings, sections: sections)
        return (page, sections.flatMap(\.figures))
    }
}
