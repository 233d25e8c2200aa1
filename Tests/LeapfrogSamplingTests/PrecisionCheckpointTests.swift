import Testing
import LeapfrogCore
@testable import LeapfrogSampling

/// A "float" twin of a model that is wrong only where the first coordinate is below `threshold`:
/// there its log density is shifted by `shift` (a precision failure the chains may meet only
/// once they move there).
struct WrongBelow: BatchedLogDensity {
    let model: DiagonalGaussian
    let threshold: Double
    let shift: Double
    var dimension: Int { model.dimension }
    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        var r = try model.evaluate(x, active: active)
        for c in 0..<x.chains where x[c, 0] < threshold { r.logDensity[c] += shift }
        return r
    }
}

/// How the sampler drives a `PrecisionCheckpoint`: when it checks, and what a switch does.
@Suite struct PrecisionCheckpointTests {
    let model = DiagonalGaussian.iid(dimension: 3)

    func configuration() -> SamplerConfiguration {
        var c = SamplerConfiguration()
        c.chains = 8; c.warmup = 150; c.draws = 40; c.seed = 5
        return c
    }

    func guarded(_ fast: any BatchedLogDensity) -> PrecisionGuard {
        PrecisionGuard(fast: fast, accurate: model, fastName: "f32", accurateName: "f64", clock: { 0 })
    }

    @Test func checksAtInitialisationEveryWindowEndAndWarmupEnd() throws {
        let g = guarded(model)
        let (guardedDraws, _) = try Sampler.sample(model: g, configuration: configuration())
        let windows = WarmupSchedule(warmup: configuration().warmup).windows
        #expect(g.checks.map(\.stage) == ["initialisation"]
                + windows.map { "warmup window end (iteration \($0.upperBound))" } + ["warmup end (iteration 150)"])
        #expect(g.checks.allSatisfy(\.passed) && g.switchedAt == nil)
        // Passing checks change nothing: the same draws as the bare model.
        let (bare, _) = try Sampler.sample(model: model, configuration: configuration())
        #expect(guardedDraws.positions == bare.positions)
    }

    @Test func aSwitchAtInitialisationGivesTheAccurateModelsDraws() throws {
        let g = guarded(WrongBelow(model: model, threshold: .infinity, shift: 0.5))
        let (draws, _) = try Sampler.sample(model: g, configuration: configuration())
        #expect(g.switchedAt == "initialisation" && g.checks.count == 1)
        let (accurate, _) = try Sampler.sample(model: model, configuration: configuration())
        #expect(draws.positions == accurate.positions)
    }

    @Test func aFailureMetOnlyLaterSwitchesAtThatCheckpoint() throws {
        // Uniform(−2, 2) starts never have x₀ < −2.5; the posterior (x₀ ~ N(−2, 1)) often does.
        let g = guarded(WrongBelow(model: model, threshold: -2.5, shift: -0.3))
        let (draws, _) = try Sampler.sample(model: g, configuration: configuration())
        #expect(g.checks.first?.passed == true, "the starts avoid the wrong region")
        #expect(g.switchedAt != nil && g.switchedAt != "initialisation")
        #expect(draws.positions.count == 8 && draws.positions.allSatisfy { $0.count == configuration().draws })
    }

    /// A posterior narrow against its location (x ≈ 10⁴ with sd 0.001, where float's spacing is
    /// 9.8e-4, about an sd) passes the density and gradient comparisons, made at the same point,
    /// but not the resolution: the run switches at the first window's end (whose regularised
    /// metric puts the sd nearer 0.01). The same shape at the origin passes every check.
    @Test func positionsFloatCannotResolveSwitchAfterTheFirstWindow() throws {
        func run(_ location: Double) throws -> PrecisionGuard {
            let narrow = DiagonalGaussian(mean: [location, 0.5], sd: [1e-3, 1])
            let g = PrecisionGuard(fast: narrow, accurate: narrow, fastName: "f32", accurateName: "f64", clock: { 0 })
            var c = configuration()
            c.initialPoints = .shared([location, 0])
            _ = try Sampler.sample(model: g, configuration: c)
            return g
        }
        let far = try run(10_000)
        #expect(far.checks.first?.resolution == nil && far.checks.first?.passed == true, "no scales known at initialisation")
        let first = WarmupSchedule(warmup: configuration().warmup).windows[0].upperBound
        #expect(far.switchedAt == "warmup window end (iteration \(first))", "\(far.checks)")
        #expect((far.checks.last?.resolution ?? 0) > 0.01 && far.checks.last?.logDensityError == 0)
        let near = try run(0)
        #expect(near.switchedAt == nil && near.checks.dropFirst().allSatisfy { ($0.resolution ?? 1) < 1e-4 }, "\(near.checks)")
    }

    /// A unit metric estimates no scale: positions far from 0 are not judged against a scale of 1
    /// (|q| ≥ 2¹⁷ would all have failed).
    @Test func aUnitMetricJudgesNoResolution() throws {
        let wide = DiagonalGaussian(mean: [3e5, 0], sd: [1e5, 1])
        let g = PrecisionGuard(fast: wide, accurate: wide, fastName: "f32", accurateName: "f64", clock: { 0 })
        var c = configuration()
        c.initialPoints = .shared([3e5, 0])
        c.metric = .unit
        _ = try Sampler.sample(model: g, configuration: c)
        #expect(g.switchedAt == nil && g.checks.allSatisfy { $0.resolution == nil }, "\(g.checks)")
    }

    /// ulp₃₂(10⁵) = 2⁻⁷: against an sd of 0.01 that is 0.78; non-finite positions and zero scales
    /// are left out.
    @Test func resolutionIsTheWorstSpacingOverTheMove() {
        let q = ChainBatch(chains: 2, dimension: 2, values: [1e5, .nan, 1, 3])
        let m = ChainBatch(chains: 2, dimension: 2, values: [0.01, 1, 0, 1])
        #expect(PrecisionGuard.resolution(q, scales: m) == 0.0078125 / 0.01)
    }
}
