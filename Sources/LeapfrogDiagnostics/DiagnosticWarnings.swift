import LeapfrogCore
/// Human-readable warnings from parameter summaries and sampler statistics.
///
/// Thresholds (``Thresholds``) and their sources:
/// - R̂ > 1.01: Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), §4.2 ("we recommend
///   running at least four chains … and only using the sample if R̂ < 1.01"); Stan and ArviZ.
/// - Nested R̂ > 1.01: the same threshold, as used by Margossian et al. (2024), §4.
/// - Bulk or tail ESS < 400 **in total** (not per chain): Vehtari et al. (2021), §4.3 ("ESS >
///   400", which for their four chains is 100 per chain). With thousands of chains, 100 per
///   chain would demand absurd totals, so the total is used.
/// - Divergences: any (> 0) is reported, with how many of how many draws (Stan).
/// - Tree depth: any transition at the maximum depth is reported (Stan's `diagnose`).
/// - E-BFMI < 0.3: Betancourt (2016); Stan and ArviZ use 0.3.
/// - A parameter with NaN or ±Inf draws: its statistics are NaN; always reported.
/// - A chain whose median lp__ lies outside the typical chain's 90 % interval (``StrayChains``): named, with
///   where its log density lies; from 3 chains on, when the per-chain lp__ draws are given.
///
/// At most ``Thresholds/maxNamed`` parameters are named per warning, worst first, then "and N
/// more". Parameters with non-finite draws are reported only as such.
///
/// A model may declare which quantities are identifiable (a neural network's weights are not: its
/// posterior is symmetric under sign flips and permuted hidden units, so chains in different
/// modes disagree on them by construction). Then R-hat, nested R-hat and ESS judge only those,
/// and ``notes`` says how many others were not judged; the divergence, tree-depth, E-BFMI and
/// non-finite warnings still cover everything.
public struct DiagnosticWarnings: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case nonFinite, rhat, nestedRHat, strayChains, essBulk, essTail, divergences, treeDepth, ebfmi
        /// The run could not compute what the others judge (said by the caller: `unjudged`).
        case unjudged
    }

    public struct Warning: Sendable, Hashable {
        public var kind: Kind
        public var message: String
    }

    public struct Thresholds: Sendable, Hashable {
        public var rhat = 1.01
        public var nestedRHat = 1.01
        public var minimumESS = 400.0
        public var ebfmi = 0.3
        public var maxNamed = 5
        public init() {}
    }

    public let warnings: [Warning]
    /// Informational lines (what was not judged, and why); not warnings.
    public let notes: [String]

    /// - Parameters:
    ///   - summaries: per-parameter summaries.
    ///   - divergentCount: post-warmup transitions that diverged, out of `totalDraws`.
    ///   - totalDraws: post-warmup draws over all chains.
    ///   - treeDepthSaturatedCount: transitions that hit `maxTreeDepth`.
    ///   - maxTreeDepth: the sampler's maximum tree depth (only used in the message).
    ///   - ebfmi: E-BFMI per chain (``EBFMI/perChain(energy:)``), chains numbered from 0.
    ///   - identifiable: the quantities R-hat and ESS judge, by name (`mu_grid` covers
    ///     `mu_grid[3]`; `lp__` its own row); nil judges every summary.
    ///   - logDensity: lp__ draws per chain (`[chain][draw]`, chains numbered from 0) for
    ///     ``StrayChains``; empty when the run kept none (`--keep moments`).
    ///   - unmixedRemedy: what the sampler that ran would suggest when the chains have not mixed,
    ///     instead of "Run longer or reparameterise." (ChEES's: NUTS adapts each chain).
    ///   - unjudged: why R̂ and ESS could not be computed, when the caller knows (a run keeping
    ///     only moments that stopped before the second half of its draws); warned first.
    public init(summaries: [ParameterSummary], divergentCount: Int = 0, totalDraws: Int = 0,
                treeDepthSaturatedCount: Int = 0, maxTreeDepth: Int? = nil, ebfmi: [Double] = [],
                identifiable: [String]? = nil, logDensity: [[Double]] = [], unmixedRemedy: String? = nil,
                unjudged: String? = nil, thresholds: Thresholds = Thresholds()) {
        var out = unjudged.map { [Warning(kind: .unjudged, message: $0)] } ?? []
        let t = thresholds
        func names(_ items: [(String, String)]) -> String {
            var s = items.prefix(t.maxNamed).map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
            if items.count > t.maxNamed { s += " and \(items.count - t.maxNamed) more" }
            return s
        }
        func plural(_ n: Int, _ word: String, _ many: String? = nil) -> String { "\(n) \(n == 1 ? word : many ?? word + "s")" }

        let bad = summaries.filter { $0.nonFiniteCount > 0 }
        if !bad.isEmpty {
            let items = bad.map { ($0.name, "\($0.nonFiniteCount) of \($0.chains * $0.drawsPerChain) draws") }
            out.append(Warning(kind: .nonFinite, message:
                "Non-finite draws (NaN or Inf) in \(plural(bad.count, "parameter")): \(names(items)); "
                + "their statistics are NaN."))
        }
        let allFinite = summaries.filter { $0.nonFiniteCount == 0 }
        let finite = identifiable.map { names in allFinite.filter { names.contains(Self.quantity(of: $0.name)) } } ?? allFinite
        var notes: [String] = []
        if let identifiable, allFinite.count > finite.count {
            // Only the identifiable quantities this run has (a bnn on its own data records no mu_grid).
            let present = identifiable.filter { name in allFinite.contains { Self.quantity(of: $0.name) == name } }
            let judged = present.isEmpty ? "nothing" : present.joined(separator: ", ")
            notes.append("R-hat and ESS not judged for \(plural(allFinite.count - finite.count, "quantity", "quantities")) "
                         + "that the model declares not identifiable (e.g. network weights: sign flips, permuted "
                         + "units); judged: \(judged). See the table.")
        }

        let highRHat = finite.filter { $0.rhat > t.rhat }.sorted { $0.rhat > $1.rhat }
        if !highRHat.isEmpty {
            out.append(Warning(kind: .rhat, message:
                "R-hat > \(t.rhat) for "
                + "\(plural(highRHat.count, "parameter")): "
                + names(highRHat.map { ($0.name, NumberFormat.fixed($0.rhat, decimals: 3)) })
                + "; the chains have not mixed. " + (unmixedRemedy ?? "Run longer or reparameterise.")))
        }
        let highNested = finite.filter { ($0.nestedRHat ?? 0) > t.nestedRHat }
            .sorted { $0.nestedRHat! > $1.nestedRHat! }
        if !highNested.isEmpty {
            out.append(Warning(kind: .nestedRHat, message:
                "Nested R-hat > \(t.nestedRHat) for "
                + "\(plural(highNested.count, "parameter")): "
                + names(highNested.map { ($0.name, NumberFormat.fixed($0.nestedRHat!, decimals: 3)) })
                + "; the superchains disagree. Run a longer warmup."))
        }
        let stray = StrayChains(logDensity: logDensity)
        if let typical = stray.typical, !stray.chains.isEmpty {
            func interval(_ q: StrayChains.Interval) -> String {
                "median \(NumberFormat.significant(q.median, digits: 5)), 90 % in "
                    + "\(NumberFormat.significant(q.q5, digits: 5)) to \(NumberFormat.significant(q.q95, digits: 5))"
            }
            let items = stray.chains.map { ("chain \($0.index)", "lp__ \(interval($0.logDensity)), \($0.below ? "below" : "above")") }
            let one = stray.chains.count == 1
            let majority = 2 * stray.chains.count > logDensity.count
            out.append(Warning(kind: .strayChains, message:
                "\(plural(stray.chains.count, "chain")) of \(logDensity.count) \(one ? "lies" : "lie") apart from the typical "
                + "chain (lp__ \(interval(typical))): \(names(items)). "
                + (majority ? "The chains fall into separate groups: they explore different regions"
                            : "\(one ? "It explores" : "They explore") another region")
                + " (a second mode, or not yet converged), and the summary pools every chain's draws. Run more chains, a "
                + "longer warmup, or start from Pathfinder (--init pathfinder); trust the summary only once the chains agree."))
        }
        for (kind, label, value) in [(Kind.essBulk, "Bulk", \ParameterSummary.essBulk),
                                     (Kind.essTail, "Tail", \ParameterSummary.essTail)] {
            let low = finite.filter { $0[keyPath: value] < t.minimumESS }
                .sorted { $0[keyPath: value] < $1[keyPath: value] }
            if !low.isEmpty {
                out.append(Warning(kind: kind, message:
                    "\(label) ESS < \(NumberFormat.integer(t.minimumESS)) (total over chains) for "
                    + "\(plural(low.count, "parameter")): "
                    + names(low.map { ($0.name, NumberFormat.integer($0[keyPath: value])) })
                    + "; \(label.lowercased()) estimates are unreliable. Run more draws."))
            }
        }
        if divergentCount > 0 {
            out.append(Warning(kind: .divergences, message:
                "\(divergentCount) of \(totalDraws) draws (\(Self.percent(divergentCount, totalDraws))) "
                + "ended in a divergence; the posterior may be biased. Increase the target acceptance "
                + "rate or reparameterise."))
        }
        if treeDepthSaturatedCount > 0 {
            let depth = maxTreeDepth.map { " of \($0)" } ?? ""
            out.append(Warning(kind: .treeDepth, message:
                "\(treeDepthSaturatedCount) of \(totalDraws) draws "
                + "(\(Self.percent(treeDepthSaturatedCount, totalDraws))) saturated the maximum tree "
                + "depth\(depth); sampling is inefficient. Increase the maximum depth or reparameterise."))
        }
        let lowBFMI = ebfmi.enumerated().filter { $0.element < t.ebfmi }
        if !lowBFMI.isEmpty {
            let items = lowBFMI.map { ("chain \($0.offset)", NumberFormat.fixed($0.element, decimals: 2)) }
            var list = items.prefix(t.maxNamed).map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
            if items.count > t.maxNamed { list += " and \(items.count - t.maxNamed) more" }
            out.append(Warning(kind: .ebfmi, message:
                "E-BFMI < \(t.ebfmi) for "
                + "\(lowBFMI.count) of \(ebfmi.count) chains: \(list); momentum resampling explores "
                + "the energy poorly. Reparameterise or adapt a better metric."))
        }
        warnings = out
        self.notes = notes
    }

    /// No warnings (there may still be ``notes``).
    public var isEmpty: Bool { warnings.isEmpty }

    /// The messages, then the notes, one per line.
    public var description: String { (warnings.map(\.message) + notes).joined(separator: "\n") }

    /// The quantity a summary row belongs to: `mu_grid[3]` and Stan CSV's `mu_grid.3` to `mu_grid`.
    static func quantity(of name: String) -> String {
        String(name.prefix { $0 != "[" && $0 != "." })
    }

    static func percent(_ part: Int, _ whole: Int) -> String {
        guard whole > 0 else { return "NaN%" }
        return NumberFormat.significant(100 * Double(part) / Double(whole), digits: 2) + "%"
    }
}
