import Foundation
import Leapfrog
import LeapfrogOpenCL
import Testing
@testable import LeapfrogRun

/// `DrawRecorder` with host quantities that draw random numbers (Stan's `_rng` in generated
/// quantities): each row's numbers come from the stream (seed, chain, retained draw), so the CPU
/// reference and an OpenCL device record the same `y_rep` for the same positions, and draws
/// recorded in a group get what one call per draw gets.
@Suite struct DrawRecorderTests {
    static let source = """
        parameters { real mu; real<lower=0> sigma; }
        model { mu ~ normal(0, 1); sigma ~ exponential(1); }
        generated quantities { array[5] real y_rep; for (n in 1:5) y_rep[n] = normal_rng(mu, sigma); }
        """

    static func bound() throws -> BoundModel {
        let model = try StanProgram.compile(source: source, path: "ppc.stan")
        let data = DataSet(source: "test")
        let (graph, prepared) = try model.instantiate(data: data)
        var bound = try BoundModel(graph: graph, data: prepared)
        bound.hostQuantities = try model.hostQuantities(data: data)
        return bound
    }

    /// Rows of chains 0…2 at fixed unconstrained points (μ, log σ).
    static let positions = ChainBatch(chains: 3, dimension: 2, values: [0.5, -1.0, 2.0, 0.3, 0.1, -0.4])

    /// y_rep[n] = μ + σ·zₙ with zₙ the n-th normal of the stream (seed 7, chain c, draw 11); the
    /// OpenCL recorder gives the same values (its recorded μ, σ in f64), up to rounding.
    @Test(arguments: ["cpu", "opencl"])
    func yRepIsTheChainsAndDrawsStream(backend: String) throws {
        if backend == "opencl" && (try? OpenCLRuntime.device()) == nil { return }
        let bound = try Self.bound()
        let selected = try BackendRegistry.standard.make(bound, options: BackendOptions(name: backend), log: { _ in })
        let recorded = try DrawRecorder(selected, bound: bound, seed: 7).values(Self.positions, draw: 11)
        #expect(recorded.dimension == 2 + 5)
        for c in 0..<3 {
            let row = recorded.vector(chain: c)
            let (mu, sigma) = (Self.positions[c, 0], Foundation.exp(Self.positions[c, 1]))
            #expect(abs(row[0] - mu) < 1e-12 && abs(row[1] - sigma) < 1e-12, "\(row)")
            var stream = PhiloxStream(random: PhiloxRandom(seed: 7), chain: c, iteration: 11, purpose: .generatedQuantities)
            for n in 0..<5 {
                let expected = mu + sigma * stream.normal()
                #expect(abs(row[2 + n] - expected) < 1e-12 * max(1, abs(expected)), "chain \(c), y_rep[\(n + 1)]: \(row[2 + n]) vs \(expected)")
            }
        }
    }

    /// Draws recorded as a group (their chains side by side in one batch) get each draw's own
    /// stream: the same values as one call per draw, and different draws differ.
    @Test func aGroupOfDrawsKeepsEachDrawsStream() throws {
        let bound = try Self.bound()
        let selected = try BackendRegistry.standard.make(bound, options: BackendOptions(name: "cpu"), log: { _ in })
        let recorder = DrawRecorder(selected, bound: bound, seed: 7)
        let group = try recorder.values(ChainBatch(stacking: [Self.positions, Self.positions]), chains: 3, draws: [4, 5])
        let four = try recorder.values(Self.positions, draw: 4), five = try recorder.values(Self.positions, draw: 5)
        #expect(group.chains(0..<3) == four)
        #expect(group.chains(3..<6) == five)
        #expect(four.vector(chain: 0)[2...] != five.vector(chain: 0)[2...])
    }
}
