import Foundation
import Leapfrog
import Testing

/// Samplers on eight schools, against exact posterior moments (`EightSchoolsPosterior`).
@Suite(.serialized)
struct EightSchoolsSamplingTests {
    static func model(centered: Bool) throws -> ReferenceModel {
        let inst = try (centered ? BuiltinModels.eightSchoolsCentered : BuiltinModels.eightSchools).instantiate()
        return try ReferenceModel(graph: inst.graph, data: inst.data)
    }

    /// Draws of element `k` (constrained; derived `theta` when k ≥ 10) as [chain][draw].
    static func element(_ draws: InMemoryDrawSink, _ model: ReferenceModel, _ pick: ([Double], [Double]) -> Double) -> [[Double]] {
        draws.positions.map { chain in chain.map { u in pick(model.constrained(u), model.derivedValues(u)) } }
    }

    static func checkMoments(_ sampler: SamplerKind, chains: Int = 64, warmup: Int = 400, draws: Int = 150,
                             adaptive: Bool = false) throws {
        let model = try Self.model(centered: false)
        var config = SamplerConfiguration()
        if adaptive {
            config.adaptiveWarmup = AdaptiveWarmup()
            config.superchains = AdaptiveWarmup.defaultSuperchains(chains: chains)!
        }
        config.sampler = sampler
        config.chains = chains
        config.warmup = warmup
        config.draws = draws
        config.seed = 20261123
        if sampler == .hmc { config.hmcTrajectory = .time(3); config.hmcJitter = .stepSize(0.2) }
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        if adaptive {
            let report = try #require(result.warmupReport)
            #expect(report.converged && report.iterations < warmup, "\(sampler) adaptive: \(report.reason)")
        }
        let exact = EightSchoolsPosterior.shared
        func check(_ name: String, _ x: [[Double]], mean: Double, variance: Double?) {
            let d = Draws(x)
            let m = x.joined().reduce(0, +) / Double(d.count)
            let se = MonteCarloStandardError.mean(d)
            #expect(abs(m - mean) < 4 * se, "\(sampler) \(name): mean \(m) vs exact \(mean) (MCSE \(se))")
            if let variance {
                let sq = Draws(x.map { $0.map { ($0 - m) * ($0 - m) } })
                let v = sq.values.joined().reduce(0, +) / Double(d.count)
                let seV = MonteCarloStandardError.mean(sq)
                #expect(abs(v - variance) < 4 * seV + 0.02 * variance, "\(sampler) \(name): variance \(v) vs exact \(variance) (MCSE \(seV))")
            }
        }
        check("mu", Self.element(sink, model) { x, _ in x[0] }, mean: exact.meanMu, variance: exact.varMu)
        check("tau", Self.element(sink, model) { x, _ in x[1] }, mean: exact.meanTau, variance: exact.varTau)
        for j in [0, 2, 6] {
            check("theta[\(j + 1)]", Self.element(sink, model) { _, d in d[j] }, mean: exact.meanTheta[j], variance: nil)
        }
        // Non-centred: (almost) no divergences.
        let divergent = sink.info.joined().filter(\.divergent).count
        #expect(Double(divergent) <= 0.01 * Double(chains * draws), "\(sampler): \(divergent) divergences")
    }

    @Test func nutsMatchesExactMoments() throws { try Self.checkMoments(.nuts) }
    @Test func hmcMatchesExactMoments() throws { try Self.checkMoments(.hmc) }
    @Test func cheesMatchesExactMoments() throws { try Self.checkMoments(.chees, chains: 64, warmup: 300, draws: 100) }
    /// An adaptive warmup ends early and leaves the same posterior (at most 1000 iterations).
    @Test func adaptiveWarmupMatchesExactMoments() throws {
        try Self.checkMoments(.nuts, chains: 64, warmup: 1000, draws: 60, adaptive: true)
        try Self.checkMoments(.chees, chains: 64, warmup: 1000, draws: 60, adaptive: true)
    }

    /// The centred parameterisation's funnel shows up as divergences.
    @Test func centeredEightSchoolsDiverges() throws {
        var config = SamplerConfiguration()
        config.chains = 16
        config.warmup = 300
        config.draws = 200
        config.seed = 7
        let (sink, _) = try Sampler.sample(model: try Self.model(centered: true), configuration: config)
        let divergent = sink.info.joined().filter(\.divergent).count
        #expect(divergent > 0, "centred eight schools produced no divergences")
    }

    /// CPU reference and OpenCL float64 give the same draws for the first 100 iterations
    /// (same tree depths, same selected states) within 1e-8, at the initial step size. With
    /// adaptation on, the back ends' last-bit gradient differences (≈6e-17) are fed back into the
    /// step size and grow smoothly: ≈1e-12 after 20 per-chain dual-averaging iterations, ≈1e-4 once
    /// pooled windows and their step-size searches run — chaotic sensitivity, not a flipped choice
    /// (measured in the closing note of the samplers issue).
    @Test func cpuAndOpenCLFloat64FollowTheSameTrajectories() throws {
        let inst = try BuiltinModels.eightSchools.instantiate()
        let bound = try BoundModel(graph: inst.graph, data: inst.data)
        let device: Device
        do { device = try OpenCLRuntime.device() } catch {
            Issue.record("no OpenCL device: \(error)")
            return
        }
        guard try device.info().supportsFP64 else { return }
        let cl = try OpenCLLogDensity<Double>(bound, queue: try CommandQueue(context: try Context(device: device)))
        var config = SamplerConfiguration()
        config.chains = 8
        config.warmup = 0
        config.draws = 100
        config.seed = 11
        let (a, _) = try Sampler.sample(model: ReferenceModel(bound), configuration: config)
        let (b, _) = try Sampler.sample(model: cl, configuration: config)
        var worst = 0.0
        for c in 0..<config.chains {
            for d in 0..<config.draws {
                #expect(a.info[c][d].treeDepth == b.info[c][d].treeDepth, "chain \(c) draw \(d): tree depth differs")
                for (x, y) in zip(a.positions[c][d], b.positions[c][d]) { worst = max(worst, abs(x - y) / max(1, abs(x))) }
            }
        }
        #expect(worst < 1e-8, "largest relative difference \(worst)")
    }
}
