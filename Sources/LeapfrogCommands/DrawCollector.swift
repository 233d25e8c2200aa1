import Leapfrog

/// A `DrawSink` that maps each draw to the constrained scale (plus derived quantities) and keeps
/// what the end-of-run summary needs: every element's draws per chain and the sampler statistics.
final class DrawCollector: DrawSink {
    let reference: ReferenceModel
    let chains: Int
    /// Stan-style names: `lp__`, then parameters, then derived quantities.
    let names: [String]
    /// values[element][chain][draw]
    private(set) var values: [[[Double]]]
    private(set) var energy: [[Double]]
    private(set) var divergent = 0
    private(set) var saturated = 0
    private(set) var draws = 0
    private(set) var adaptation: Adaptation?
    let maxDepth: Int

    init(reference: ReferenceModel, chains: Int, maxDepth: Int) {
        self.reference = reference
        self.chains = chains
        self.maxDepth = maxDepth
        names = ["lp__"] + reference.model.layout.elementNames + reference.model.derivedElementNames
        values = Array(repeating: Array(repeating: [], count: chains), count: names.count)
        energy = Array(repeating: [], count: chains)
    }

    func adaptationFinished(_ adaptation: Adaptation) throws { self.adaptation = adaptation }

    func write(_ draw: Draw) throws {
        for c in 0..<chains {
            let u = draw.positions.vector(chain: c)
            let row = [draw.logDensity[c]] + reference.constrained(u) + reference.derivedValues(u)
            for (k, v) in row.enumerated() { values[k][c].append(v) }
            let info = draw.info[c]
            energy[c].append(info.energy)
            if info.divergent { divergent += 1 }
            if info.treeDepth >= maxDepth { saturated += 1 }
        }
        draws += 1
    }

    func summaries(superchains: Int?) -> [ParameterSummary] {
        names.enumerated().map { k, name in summarize(name: name, draws: values[k], superchains: superchains) }
    }
}
