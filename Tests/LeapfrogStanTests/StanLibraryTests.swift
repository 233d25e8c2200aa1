import Foundation
import LeapfrogData
import LeapfrogModel
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's functions that Leapfrog writes in Stan (`StanLibrary`): the hidden Markov model
/// functions against sums over every path of the states (K^N of them, written out here), their
/// gradients against finite differences, and errors inside them reported at the call.
struct StanLibraryTests {
    static let (k, n) = (3, 5)
    static let y = [-1.2, 0.3, 2.1, 1.7, -0.4]
    static let gamma = [[0.7, 0.2, 0.1], [0.25, 0.5, 0.25], [0.05, 0.15, 0.8]]
    static let rho = [0.5, 0.3, 0.2]

    /// log p(y | z) for every state and observation: log N(yₙ | μₖ, 1).
    static func logOmega(_ mu: [Double]) -> [[Double]] {
        (0..<k).map { s in y.map { -0.5 * ($0 - mu[s]) * ($0 - mu[s]) - 0.5 * log(2 * Double.pi) } }
    }

    /// Every path's log joint probability log ρ(z₁) + Σ log Γ(zₙ₋₁, zₙ) + Σ log ω(zₙ, n), with the path.
    static func paths(_ logOmega: [[Double]], _ gamma: [[Double]], _ rho: [Double]) -> [(z: [Int], lp: Double)] {
        var out: [(z: [Int], lp: Double)] = []
        for code in 0..<Int(pow(Double(k), Double(n))) {
            var z: [Int] = []
            var c = code
            for _ in 0..<n { z.append(c % k); c /= k }
            var lp = log(rho[z[0]]) + logOmega[z[0]][0]
            for t in 1..<n { lp += log(gamma[z[t - 1]][z[t]]) + logOmega[z[t]][t] }
            out.append((z, lp))
        }
        return out
    }

    static func logSumExp(_ xs: [Double]) -> Double {
        let m = xs.max()!
        return m + log(xs.map { exp($0 - m) }.reduce(0, +))
    }

    static func softmax(_ x: [Double]) -> [Double] {
        let e = x.map { exp($0 - x.max()!) }
        return e.map { $0 / e.reduce(0, +) }
    }

    /// `hmm_marginal` in the model, every argument built from unconstrained parameters (ρ and Γ's
    /// rows by softmax), so that the log density is the function's value: the log of the sum over
    /// all 243 paths, at random points, its gradient against finite differences.
    @Test func hmmMarginalIsTheSumOverPaths() throws {
        let model = try stanReference("""
        data { int K; int N; vector[N] y; }
        parameters { vector[K] a; array[K] vector[K] b; vector[K] mu; }
        model {
          matrix[K, K] Gamma;
          matrix[K, N] log_omega;
          for (s in 1:K) Gamma[s] = softmax(b[s])';
          for (s in 1:K)
            for (t in 1:N)
              log_omega[s, t] = normal_lpdf(y[t] | mu[s], 1);
          target += hmm_marginal(log_omega, Gamma, softmax(a));
        }
        """, DataSet(["K": .integer(Self.k), "N": .integer(Self.n), "y": .vector(Self.y)], source: "hmm.json"))
        var rng = TestRandom(seed: 19)
        for _ in 0..<4 {
            let u = rng.vector(Self.k * (Self.k + 2), -1.5, 1.5)
            let a = Array(u[0..<Self.k])
            let gamma = (0..<Self.k).map { Self.softmax(Array(u[(Self.k * ($0 + 1))..<(Self.k * ($0 + 2))])) }
            let mu = Array(u[(Self.k * (Self.k + 1))...])
            let want = Self.logSumExp(Self.paths(Self.logOmega(mu), gamma, Self.softmax(a)).map(\.lp))
            let got = model.logDensity(u)
            #expect(abs(got - want) < 1e-10 * abs(want), "at \(u): \(got) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    static let hostProgram = """
    data { int K; int N; vector[N] y; matrix[K, K] Gamma; vector[K] rho; }
    parameters { vector[K] mu; }
    model { mu ~ normal(0, 3); }
    generated quantities {
      matrix[K, N] log_omega;
      for (s in 1:K) for (t in 1:N) log_omega[s, t] = normal_lpdf(y[t] | mu[s], 1);
      real lp = hmm_marginal(log_omega, Gamma, rho);
      matrix[K, N] prob = hmm_hidden_state_prob(log_omega, Gamma, rho);
      array[N] int z = hmm_latent_rng(log_omega, Gamma, rho);
    }
    """

    static var hostData: DataSet {
        DataSet(["K": .integer(k), "N": .integer(n), "y": .vector(y), "Gamma": .matrix(rows: gamma), "rho": .vector(rho)], source: "hmm.json")
    }

    /// On the host (generated quantities with an `_rng` call): `hmm_marginal` the sum over paths,
    /// `hmm_hidden_state_prob` each state's posterior probability (the paths through it over all
    /// paths), and `hmm_latent_rng`'s draws with those frequencies (within 5 binomial standard
    /// errors over 4,000 draws) and only paths of positive probability.
    @Test func hostFunctionsAreThePathsPosterior() throws {
        let model = try StanProgram.compile(source: Self.hostProgram, path: "hmm.stan")
        #expect(model.generatedQuantitiesOnHost)
        let mu = [-1.0, 0.5, 2.0]
        let paths = Self.paths(Self.logOmega(mu), Self.gamma, Self.rho)
        let total = Self.logSumExp(paths.map(\.lp))
        // p(zₙ = s | y), [s][n].
        var exact = [[Double]](repeating: [Double](repeating: 0, count: Self.n), count: Self.k)
        for p in paths { for t in 0..<Self.n { exact[p.z[t]][t] += exp(p.lp - total) } }
        var counts = [[Double]](repeating: [Double](repeating: 0, count: Self.n), count: Self.k)
        let draws = 4_000
        for d in 0..<draws {
            let g = try HostGeneratedQuantitiesTests.generated(model, Self.hostData, ["mu": mu], key: DrawKey(seed: 3, chain: 0, draw: d))
            if d == 0 {
                #expect(abs(g["lp"]![0] - total) < 1e-12 * abs(total), "\(g["lp"]![0]) vs \(total)")
                // Row by row: element (s, t) at s·N + t.
                for s in 0..<Self.k { for t in 0..<Self.n {
                    #expect(abs(g["prob"]![s * Self.n + t] - exact[s][t]) < 1e-12, "p(z\(t + 1) = \(s + 1) | y)")
                } }
            }
            let z = g["z"]!.map { Int($0) - 1 }
            #expect(z.allSatisfy { (0..<Self.k).contains($0) })
            for t in 0..<Self.n { counts[z[t]][t] += 1 }
        }
        for s in 0..<Self.k { for t in 0..<Self.n {
            let p = exact[s][t]
            let se = (p * (1 - p) / Double(draws)).squareRoot()
            #expect(abs(counts[s][t] / Double(draws) - p) < 5 * se + 1e-9, "z\(t + 1) = \(s + 1): \(counts[s][t] / Double(draws)) vs \(p)")
        } }
    }

    /// An error inside a library function names the call's line and the library, so do its nodes;
    /// a transition matrix that is not stochastic is rejected; a program's own function of the
    /// same name is the one called.
    @Test func errorsAreReportedAtTheCallAndOwnFunctionsWin() throws {
        let message = compileError("""
        parameters { vector[2] rho; }
        model {
          target += hmm_marginal(rho, rho, rho);
        }
        """)
        #expect(message.contains("m.stan:3:") && message.contains("inside hmm_marginal, which Leapfrog defines in Stan"), "\(message)")
        let count = compileError("parameters { vector[2] rho; }\nmodel { target += hmm_marginal(rho, rho); }")
        #expect(count.contains("m.stan:2:") && count.contains("takes 3 arguments, got 2"), "\(count)")
        // Not a simplex: −∞, the nodes named after the call's line (the library's lines are no
        // line of the program).
        let source = """
        data { int N; vector[N] y; vector[2] rho; }
        parameters { vector[2] mu; }
        model {
          matrix[2, N] log_omega;
          for (k in 1:2) for (n in 1:N) log_omega[k, n] = normal_lpdf(y[n] | mu[k], 1);
          target += hmm_marginal(log_omega, [[0.9, 0.1], [0.2, 0.8]], rho);
        }
        """
        let data = { (rho: [Double]) in DataSet(["N": .integer(3), "y": .vector([0.1, 1, 2]), "rho": .vector(rho)], source: "d.json") }
        #expect(try stanReference(source, data([0.5, 0.6])).logDensity([0, 1]) == -.infinity)
        #expect(try stanReference(source, data([0.4, 0.6])).logDensity([0, 1]).isFinite)
        let sources = Set(try StanProgram.compile(source: source, path: "m.stan").nodeSources.values)
        #expect(sources.allSatisfy { $0.hasPrefix("m.stan:") && Int($0.split(separator: ":")[1])! <= 7 }, "\(sources)")
        #expect(sources.contains { $0.hasPrefix("m.stan:6:") })
        let own = try stanReference("""
        functions { real hmm_marginal(matrix a, matrix b, vector c) { return sum(c); } }
        parameters { vector[2] c; }
        model { target += hmm_marginal(rep_matrix(0, 2, 2), rep_matrix(0, 2, 2), c); }
        """, DataSet(source: "none"))
        #expect(abs(own.logDensity([0.25, 0.5]) - 0.75) < 1e-15)
    }
}
