import Testing
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

    /// `uniform` is the shared Philox stream, one independent u per iteration.
    @Test func uniformIsTheSharedStream() {
        let random = PhiloxRandom(seed: 5)
        for i in [0, 1, 17, 499] {
            #expect(ChEESJitter.uniform.value(random: random, iteration: i)
                    == random.uniform(chain: Int(PhiloxRandom.sharedChain), iteration: i, purpose: .sharedJitter))
        }
    }

    /// Either jitter leaves the target invariant: ChEES on an ill-conditioned Gaussian matches
    /// its moments, and the sampler and its adapter use the configured sequence (the sampling
    /// draws' trajectories differ between the two).
    @Test(arguments: ChEESJitter.allCases)
    func eitherJitterSamplesTheTarget(_ jitter: ChEESJitter) throws {
        let model = DiagonalGaussian.illConditioned(dimension: 10)
        var config = SamplerConfiguration()
        config.sampler = .chees; config.cheesJitter = jitter
        config.chains = 32; config.warmup = 250; config.draws = 100; config.seed = 6
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        expectMoments(sink.positions, mean: model.mean, variance: model.sd.map { $0 * $0 }, label: "ChEES, \(jitter) jitter")
        let kernel = SamplerKind.chees.kernel(config) as! ChEESSampler
        #expect(kernel.jitter == jitter)
        let t = try #require(result.adaptation.trajectoryLength)
        let request = kernel.request(iteration: 260, tuning: result.adaptation, random: PhiloxRandom(seed: 6))
        guard case .hmc(.time(let time), _) = request.trajectory else { Issue.record("not an HMC time"); return }
        #expect(abs(time - jitter.value(random: PhiloxRandom(seed: 6), iteration: 260) * t) < 1e-12)
    }
}
