import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `dirichlet` with a concentration that depends on parameters (`Lowering+Distributions`): its
/// normalising constant log Γ(Σα) − Σ log Γ(αₖ) is kept (the graph's `lgamma`), once per simplex.
/// Log densities against the closed form, gradients against finite differences.
@Suite struct DirichletConcentrationTests {
    /// log Dirichlet(θ | α) = log Γ(Σα) − Σ log Γ(αₖ) + Σ (αₖ − 1) log θₖ.
    static func logDirichlet(_ theta: [Double], _ alpha: [Double]) -> Double {
        lgamma(alpha.reduce(0, +)) - alpha.map { lgamma($0) }.reduce(0, +)
            + zip(alpha, theta).map { ($0 - 1) * log($1) }.reduce(0, +)
    }

    /// α = exp(a) in transformed parameters (no Jacobian), θ data: the log density is the closed
    /// form exactly, for one simplex and for an array of two (the constant twice).
    @Test func logDensityIsTheClosedForm() throws {
        let one = try stanReference("""
            data { int K; simplex[K] theta; }
            parameters { vector[K] a; }
            transformed parameters { vector[K] alpha = exp(a); }
            model { theta ~ dirichlet(alpha); }
            """, DataSet(["K": .integer(3), "theta": .vector([0.2, 0.3, 0.5])], source: "test"))
        let two = try stanReference("""
            data { int K; array[2] simplex[K] theta; }
            parameters { vector[K] a; }
            transformed parameters { vector[K] alpha = exp(a); }
            model { target += dirichlet_lpdf(theta | alpha); }
            """, DataSet(["K": .integer(3), "theta": .matrix(rows: [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])], source: "test"))
        var rng = TestRandom(seed: 3)
        for _ in 0..<4 {
            let a = rng.vector(3, -1.5, 1.5)
            let alpha = a.map { exp($0) }
            let expected = Self.logDirichlet([0.2, 0.3, 0.5], alpha)
            #expect(abs(one.logDensity(a) - expected) < 1e-10 * max(1, abs(expected)), "\(one.logDensity(a)) vs \(expected)")
            let expected2 = expected + Self.logDirichlet([0.6, 0.1, 0.3], alpha)
            #expect(abs(two.logDensity(a) - expected2) < 1e-10 * max(1, abs(expected2)), "\(two.logDensity(a)) vs \(expected2)")
        }
    }

    /// A hierarchical simplex: θ ~ Dirichlet(κ·m), both parameters; the gradient (through lgamma's
    /// derivative, the digamma) against finite differences.
    @Test func gradientMatchesFiniteDifferences() throws {
        let model = try stanReference("""
            data { int K; vector[K] y; }
            parameters { simplex[K] theta; simplex[K] m; real<lower=0> kappa; }
            model {
              kappa ~ exponential(0.1);
              theta ~ dirichlet(kappa * m);
              y ~ normal(theta, 0.1);
            }
            """, DataSet(["K": .integer(4), "y": .vector([0.1, 0.2, 0.3, 0.4])], source: "test"))
        var rng = TestRandom(seed: 5)
        for _ in 0..<3 {
            let u = rng.vector(model.dimension, -1, 1)
            let err = GradientCheck.worstRelativeError(model, at: u)
            #expect(err < GradientCheck.tolerance, "relative error \(err) at \(u)")
        }
    }

    /// Inside a vectorised loop (a plate) the per-row constant is refused with the line; the
    /// whole array at once (`theta ~ dirichlet(alpha)`) is the alternative.
    /// `dirichlet_lpdf` with a data concentration keeps the constant, once per simplex (alone and
    /// one per row of a loop), so a mixture of two concentrations weighs them right: the mixture
    /// written with the closed forms agrees exactly; `~` leaves the constant out.
    @Test func lpdfWithADataConcentrationKeepsTheConstant() throws {
        let (a1, a2) = ([1.0, 1, 1], [10.0, 10, 10])
        let data = DataSet(["a1": .vector(a1), "a2": .vector(a2), "N": .integer(2)], source: "test")
        let mixture = try stanReference("""
            data { vector[3] a1; vector[3] a2; int N; }
            parameters { simplex[3] th; real<lower=0, upper=1> w; array[N] simplex[3] ths; }
            model {
              target += log_mix(w, dirichlet_lpdf(th | a1), dirichlet_lpdf(th | a2));
              for (n in 1:N) target += dirichlet_lpdf(ths[n] | a2);
            }
            """, data)
        func constant(_ a: [Double]) -> Double { lgamma(a.reduce(0, +)) - a.map { lgamma($0) }.reduce(0, +) }
        var written = data
        written.variables["c1"] = .scalar(constant(a1))
        written.variables["c2"] = .scalar(constant(a2))
        let closedForm = try stanReference("""
            data { vector[3] a1; vector[3] a2; int N; real c1; real c2; }
            parameters { simplex[3] th; real<lower=0, upper=1> w; array[N] simplex[3] ths; }
            model {
              target += log_mix(w, sum((a1 - 1) .* log(th)) + c1, sum((a2 - 1) .* log(th)) + c2);
              for (n in 1:N) target += sum((a2 - 1) .* log(ths[n])) + c2;
            }
            """, written)
        var rng = TestRandom(seed: 5)
        for _ in 0..<4 {
            let u = rng.vector(mixture.dimension, -1, 1)
            #expect(abs(mixture.logDensity(u) - closedForm.logDensity(u)) < 1e-9)
        }
        expectEquivalent(mixture, closedForm)
    }

    @Test func insideAVectorisedLoopIsRefused() {
        let message = compileError("""
            data { int N; int K; array[N] vector[K] y; }
            parameters { array[N] simplex[K] theta; vector<lower=0>[K] alpha; }
            model { for (n in 1:N) theta[n] ~ dirichlet(alpha); }
            """)
        #expect(message.hasPrefix("m.stan:3:24: error: dirichlet with a concentration that depends on parameters is not supported inside a vectorised loop; write it outside the loop"), "\(message)")
    }
}
