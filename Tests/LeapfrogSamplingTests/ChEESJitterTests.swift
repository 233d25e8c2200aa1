import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

/// `ChEESJitter`: the shared u ∈ (0, 1] of ChEES's trajectory t = u·T.
@Suite struct ChEESJitterTests {
    @Test func vanDerCorputMirrorsTheBinaryDigits() {
        #expect((0...8).map(ChEESJitter.vanDerCorput) == [0, 0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875, 0.0625])
        #expect(ChEESJitter.vanDerCorput(1000) == 0.0927734375)  // 1111101000₂ mirrored
    }

    /// Any 2^k consecutive iterations aligned on 2^k (iteration + 1 from m·2^k on) put their u on
    /// an evenly spaced grid of step 2^−k, wherever the rotation puts it: one in each stratum.
    @Test(arguments: [(63, 64), (1023, 256), (255, 8)])
    func alignedBlocksAreEvenlySpread(first: Int, count: Int) throws {
        for seed in [1, 2, 99] as [UInt64] {
            let random = PhiloxRandom(seed: seed)
            let u = (first..<(first + count)).map { ChEESJitter.halton.value(random: random, iteration: $0) }.sorted()
            #expect(u.allSatisfy { $0 > 0 && $0 <= 1 })
            let gaps = zip(u.dropFirst(), u).map { $0 - $1 } + [u[0] + 1 - u[count - 1]]
            #expect(gaps.allSatisfy { abs($0 - 1 / Double(count)) < 1e-12 }, "seed \(seed): \(gaps.prefix(4))")
        }
    }

    /// The rotation makes each u Uniform(0, 1] over seeds (mean ½, variance 1/12, within 4 standard
    /// errors over 4,000 seeds), and the sequences differ between seeds.
    @Test func eachJitterIsUniformOverSeeds() {
        let n = 4000
        let u = (0..<n).map { ChEESJitter.halton.value(random: PhiloxRandom(seed: UInt64($0)), iteration: 7) }
        let mean = u.reduce(0, +) / Double(n)
        let variance = u.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(abs(mean - 0.5) < 4 * (1.0 / 12 / Double(n)).squareRoot(), "mean \(mean)")
        #expect(abs(variance - 1.0 / 12) < 4 * (1.0 / 180 / Double(n)).squareRoot(), "variance \(variance)")
        #expect(Set(u).count == n)
    }

    /// The adapter's ChEES gradient uses the configured jitter: two adapters that differ only in
    /// it, fed the same transition, move T as `ChEESAdaptation.update` does with their own u.
    @Test func theAdapterLearnsWithTheConfiguredJitter() throws {
        let (n, d, iteration) = (8, 2, 40)
        let model = DiagonalGaussian.iid(dimension: d)
        let random = PhiloxRandom(seed: 3)
        var start = ChainBatch(chains: n, dimension: d)
        var proposed = ChainBatch(chains: n, dimension: d), momentum = ChainBatch(chains: n, dimension: d)
        for c in 0..<n { for i in 0..<d {
            start[c, i] = random.normal(chain: c, iteration: 0, purpose: .momentum, index: i)
            proposed[c, i] = 2 * start[c, i] + 0.1 * Double(c)
            momentum[c, i] = random.normal(chain: c, iteration: 1, purpose: .momentum, index: i)
        } }
        let state = try SamplerState(positions: start, model: model)
        let after = try SamplerState(positions: proposed, model: model)
        let info = (0..<n).map { c in
            TransitionInfo(acceptanceStatistic: 0.5 + 0.05 * Double(c), accepted: true, divergent: false, energy: 0,
                           stepSize: 0.5, treeDepth: 0, leapfrogSteps: 4, gradientEvaluations: 4)
        }
        let transition = Transition(state: after, info: TransitionInfoBatch(info), lockstepEvaluations: 4,
                                    proposal: Proposal(position: proposed, momentum: momentum))
        var lengths: [ChEESJitter: Double] = [:]
        for jitter in ChEESJitter.allCases {
            var config = SamplerConfiguration()
            config.sampler = .chees; config.chains = n; config.warmup = 200; config.cheesJitter = jitter
            config.cheesInitialTrajectoryLength = 1; config.cheesLearningRate = 0.05
            var adapter = ChEESAdapter(config, dimension: d)
            var executor: any TransitionExecutor = HostTransitionExecutor(model: model)
            _ = try adapter.start(state, model: model, executor: &executor, random: random, search: false)
            var reference = ChEESAdaptation(trajectoryLength: 1, learningRate: config.cheesLearningRate)
            // Adam's first step is the learning rate whatever the gradient's size: three steps.
            for k in iteration..<(iteration + 3) {
                let request = ChEESSampler(jitter: jitter).request(iteration: k, tuning: adapter.adaptation, random: random)
                adapter.observe(transition, from: state, request: request, random: random)
                reference.update(starts: start, proposal: Proposal(position: proposed, momentum: momentum), metric: .unit,
                                 acceptance: info.map(\.acceptanceStatistic), divergent: info.map(\.divergent),
                                 jitter: jitter.value(random: random, iteration: k), stepSize: adapter.adaptation.stepSizes[0])
            }
            let t = try #require(adapter.adaptation.trajectoryLength)
            #expect(abs(t - reference.trajectoryLength) < 1e-12 * reference.trajectoryLength, "\(jitter): \(t), \(reference.trajectoryLength)")
            lengths[jitter] = t
        }
        #expect(abs(lengths[.halton]! - lengths[.uniform]!) > 1e-6, "\(lengths)")
    }

    /// `uniform` is the shared Philox stream, one independent u per iteration.
    @Test func uniformIsTheSharedStream() {
        let random = PhiloxRandom(seed: 5)
        for i in [0, 1, 17, 499] {
            #expect(ChEESJitter.uniform.value(random: random, iteration: i)
                    == random.uniform(chain: Int(PhiloxRandom.sharedChain), iteration: i, purpose: .sharedJitter))
        }
    }

    /// The configured sequence reaches the sampler: its request integrates for u·T with u the
    /// configuration's jitter of that iteration. (Either jitter samples an ill-conditioned
    /// Gaussian's moments: `SamplerStatisticsTests.cheesIllConditioned`.)
    @Test(arguments: ChEESJitter.allCases)
    func theSamplerIntegratesForTheConfiguredJitter(_ jitter: ChEESJitter) throws {
        var config = SamplerConfiguration()
        config.sampler = .chees; config.cheesJitter = jitter
        let kernel = try #require(SamplerKind.chees.kernel(config) as? ChEESSampler)
        #expect(kernel.jitter == jitter)
        let tuning = Adaptation(stepSizes: [0.1], metric: .unit, trajectoryLength: 2)
        let random = PhiloxRandom(seed: 6)
        for iteration in [0, 260] {
            let request = kernel.request(iteration: iteration, tuning: tuning, random: random)
            guard case .hmc(.time(let time), _) = request.trajectory else { Issue.record("not an HMC time"); return }
            #expect(time == jitter.value(random: random, iteration: iteration) * 2)
        }
    }
}
