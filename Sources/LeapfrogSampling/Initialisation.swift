import LeapfrogCore
import LeapfrogRandom

/// Where chains start.
public enum InitialPoints: Sendable, Hashable {
    /// Uniform(−radius, radius) per unconstrained component (Stan's default radius is 2).
    case uniform(radius: Double)
    /// One point for every chain.
    case shared([Double])
    /// One point per chain; with superchains, one point per superchain (its chains share it).
    case perChain([[Double]])

    public static let `default` = InitialPoints.uniform(radius: Initialisation.defaultRadius)
}

/// Initial points with a finite log density and gradient.
///
/// Random points: component i of chain c on attempt a is 2r·u − r with u the uniform element i
/// of the stream (chain c, iteration a, `.initialisation`). A chain whose log density or
/// gradient is not finite is redrawn (the others keep theirs), up to `maximumAttempts` times.
/// With superchains K, the chains form K contiguous equal groups; group g draws as chain g
/// would and all its chains start there (nested R-hat, Margossian et al. 2022).
public enum Initialisation {
    /// Stan `services/util/initialize.hpp`: MAX_INIT_TRIES = 100; default radius 2.
    public static let maximumAttempts = 100
    public static let defaultRadius = 2.0

    /// The words of the error when no starting point has a finite log density (a run that knows
    /// its model's terms adds which one is not finite: `SampleRun`).
    public static let noFiniteStart = "no finite log density after"

    /// The initial point of `chain` at `attempt`: Uniform(−radius, radius) in every unconstrained
    /// component, from the Philox stream (chain, attempt, `.initialisation`).
    public static func uniformPoint(random: PhiloxRandom, chain: Int, attempt: Int = 0, dimension d: Int,
                                    radius: Double = defaultRadius) -> [Double] {
        var point = [Double](repeating: 0, count: d)
        random.uniforms(chain: chain, iteration: attempt, purpose: .initialisation, count: d) { i, u in
            point[i] = 2 * radius * u - radius
        }
        return point
    }

    public struct Result: Sendable {
        public var state: SamplerState
        public var lockstepEvaluations: Int
        public var gradientEvaluations: [Int]
    }

    static func isFinite(_ r: DensityBatch, chain c: Int) -> Bool {
        guard r.logDensity[c].isFinite else { return false }
        let n = r.gradient.chains
        for i in 0..<r.gradient.dimension where !r.gradient.values[i * n + c].isFinite { return false }
        return true
    }

    public static func run(model: some BatchedLogDensity, chains: Int, points: InitialPoints,
                           superchains: Int = 1, random: PhiloxRandom) throws -> Result {
        let d = model.dimension
        guard superchains >= 1, chains % superchains == 0 else {
            throw LeapfrogError(.configuration, "superchains: \(chains) chains cannot form \(superchains) equal groups")
        }
        let groups = superchains == 1 ? chains : superchains
        let groupSize = chains / groups
        var q = ChainBatch(chains: groups, dimension: d)
        var lockstep = 0
        var gradients = [Int](repeating: 0, count: chains)
        var result: DensityBatch

        var points = points
        if case .perChain(let xs) = points, xs.count == 1 { points = .shared(xs[0]) }
        switch points {
        case .shared(let x):
            guard x.count == d else {
                throw LeapfrogError(.configuration, "initial point has \(x.count) values; the model has \(d) unconstrained")
            }
            for g in 0..<groups { q.setVector(x, chain: g) }
            result = try model.evaluate(q, active: nil)
            lockstep += 1
            if let bad = (0..<groups).first(where: { !isFinite(result, chain: $0) }) {
                throw LeapfrogError(.sampling, "chain \(bad * groupSize): the given initial point has a non-finite log density or gradient")
            }
        case .perChain(let xs):
            // With superchains, one point per group (its chains share it).
            guard xs.count == groups else {
                throw LeapfrogError(.configuration, superchains > 1
                                    ? "\(xs.count) initial points for \(superchains) superchains (chains in a superchain share one point)"
                                    : "\(xs.count) initial points for \(chains) chains")
            }
            for (c, x) in xs.enumerated() {
                guard x.count == d else {
                    throw LeapfrogError(.configuration, "chain \(c): initial point has \(x.count) values; the model has \(d)")
                }
                q.setVector(x, chain: c)
            }
            result = try model.evaluate(q, active: nil)
            lockstep += 1
            if let bad = (0..<groups).first(where: { !isFinite(result, chain: $0) }) {
                throw LeapfrogError(.sampling, "chain \(bad * groupSize): the given initial point has a non-finite log density or gradient")
            }
        case .uniform(let radius):
            var pending = [Bool](repeating: true, count: groups)
            result = DensityBatch(logDensity: Array(repeating: -.infinity, count: groups),
                                  gradient: ChainBatch(chains: groups, dimension: d))
            for attempt in 0..<maximumAttempts {
                for g in 0..<groups where pending[g] {
                    let point = uniformPoint(random: random, chain: g, attempt: attempt, dimension: d, radius: radius)
                    for i in 0..<d { q.values[i * groups + g] = point[i] }
                }
                let all = pending.allSatisfy { $0 }
                let r = try model.evaluate(q, active: all ? nil : pending)
                lockstep += 1
                for g in 0..<groups where pending[g] {
                    result.logDensity[g] = r.logDensity[g]
                    for i in 0..<d { result.gradient.values[i * groups + g] = r.gradient.values[i * groups + g] }
                    for k in 0..<groupSize { gradients[g * groupSize + k] += 1 }
                    if isFinite(r, chain: g) { pending[g] = false }
                }
                if !pending.contains(true) { break }
            }
            if let bad = pending.firstIndex(of: true) {
                let chain = bad * groupSize
                throw LeapfrogError(.sampling, "chain \(chain): \(noFiniteStart) \(maximumAttempts) initial points "
                                    + "drawn uniformly from (−\(radius), \(radius)) on the unconstrained scale; check the "
                                    + "model's support and constraints, or start from Pathfinder's points (--init pathfinder)")
            }
        }
        // Broadcast group points to their chains.
        var positions = ChainBatch(chains: chains, dimension: d)
        var gradient = ChainBatch(chains: chains, dimension: d)
        var logDensity = [Double](repeating: 0, count: chains)
        for c in 0..<chains {
            let g = c / groupSize
            for i in 0..<d {
                positions.values[i * chains + c] = q.values[i * groups + g]
                gradient.values[i * chains + c] = result.gradient.values[i * groups + g]
            }
            logDensity[c] = result.logDensity[g]
        }
        if case .uniform = points {} else { for c in 0..<chains { gradients[c] += 1 } }
        return Result(state: SamplerState(positions: positions, logDensity: logDensity, gradient: gradient),
                      lockstepEvaluations: lockstep, gradientEvaluations: gradients)
    }
}
