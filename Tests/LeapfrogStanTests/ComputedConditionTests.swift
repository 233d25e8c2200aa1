import Foundation
import LeapfrogData
import LeapfrogReference
@testable import LeapfrogStan
import LeapfrogTestSupport
import Testing

/// `if` and `?:` on parameters (`Lowering+Select`): the log density is the branch taken's, checked
/// against programs with that branch alone and against densities written out here; gradients
/// against finite differences on both sides of a boundary, including where the branch not taken
/// is undefined.
struct ComputedConditionTests {
    static let branches = """
    data { int N; vector[N] y; }
    parameters { real mu; real<lower=0> sigma; }
    model {
      mu ~ normal(0, 5);
      sigma ~ exponential(1);
      if (mu > 0 && sigma < 3) target += normal_lpdf(y | mu, sigma);
      else if (!(mu > -1)) target += student_t_lpdf(y | 4, mu, sigma);
      else { y ~ cauchy(mu, sigma); }
      if (sigma >= 10) reject("sigma is too wide");
    }
    """
    static let data = DataSet(["N": .integer(3), "y": .vector([0.1, 0.5, 1.2])], source: "d.json")

    /// Each point's log density and gradient equal those of the program holding only the branch
    /// its condition takes; past the reject the log density is −∞.
    @Test func theBranchTakenGivesTheDensity() throws {
        let model = try stanReference(Self.branches, Self.data)
        let taken = { (density: String) in
            Self.branches.replacingOccurrences(of: """
              if (mu > 0 && sigma < 3) target += normal_lpdf(y | mu, sigma);
              else if (!(mu > -1)) target += student_t_lpdf(y | 4, mu, sigma);
              else { y ~ cauchy(mu, sigma); }
              if (sigma >= 10) reject("sigma is too wide");
            """, with: density)
        }
        let normal = try stanReference(taken("  target += normal_lpdf(y | mu, sigma);"), Self.data)
        let studentT = try stanReference(taken("  target += student_t_lpdf(y | 4, mu, sigma);"), Self.data)
        let cauchy = try stanReference(taken("  y ~ cauchy(mu, sigma);"), Self.data)
        for (u, expected) in [([1.0, 0.0], normal), ([0.3, log(2.9)], normal), ([-2.0, 0.0], studentT), ([-1.0, 0.5], studentT),
                              ([-0.5, 0.0], cauchy), ([1.0, log(4.0)], cauchy), ([0.0, -1.0], cauchy)] {
            let (lp, g) = model.logDensityAndGradient(u)
            let (want, wantGradient) = expected.logDensityAndGradient(u)
            #expect(abs(lp - want) < 1e-12 * max(1, abs(want)), "at \(u): \(lp) vs \(want)")
            for (x, y) in zip(g, wantGradient) { #expect(abs(x - y) < 1e-10 * max(1, abs(y)), "at \(u): \(g) vs \(wantGradient)") }
            // Finite differences straddle no boundary (mu = −1 and mu = 0 are points on one).
            if ![-1.0, 0.0].contains(u[0]) { #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance) }
        }
        #expect(model.logDensityAndGradient([0.5, log(12.0)]).0 == -.infinity)
    }

    /// A hockey-stick regression: the slope changes at a parameter, chosen per row by `?:` and by
    /// an `if` that assigns (the same graph both ways), against the density written out.
    @Test func aChangePointChosenPerRow() throws {
        let conditional = """
        data { int N; vector[N] x; vector[N] y; }
        parameters { real a; real b1; real b2; real cp; real<lower=0> s; }
        model {
          vector[N] mu;
          for (n in 1:N) mu[n] = x[n] < cp ? a + b1 * (x[n] - cp) : a + b2 * (x[n] - cp);
          y ~ normal(mu, s);
          cp ~ normal(0, 2);
        }
        """
        let assigned = conditional.replacingOccurrences(
            of: "mu[n] = x[n] < cp ? a + b1 * (x[n] - cp) : a + b2 * (x[n] - cp);",
            with: "{ if (x[n] < cp) mu[n] = a + b1 * (x[n] - cp); else mu[n] = a + b2 * (x[n] - cp); }")
        var rng = TestRandom(seed: 3)
        let x = rng.vector(12, -2, 2), y = rng.vector(12, -1, 1)
        let data = DataSet(["N": .integer(12), "x": .vector(x), "y": .vector(y)])
        let model = try stanReference(conditional, data)
        expectEquivalent(try stanReference(assigned, data), model)
        for _ in 0..<6 {
            let u = rng.vector(5, -1.5, 1.5)
            let (a, b1, b2, cp, s) = (u[0], u[1], u[2], u[3], exp(u[4]))
            var want = -0.5 * cp * cp / 4 - log(2) - 0.5 * log(2 * .pi) + u[4]
            for (xn, yn) in zip(x, y) {
                let mu = a + (xn < cp ? b1 : b2) * (xn - cp)
                want += -0.5 * pow((yn - mu) / s, 2) - log(s) - 0.5 * log(2 * .pi)
            }
            let lp = model.logDensityAndGradient(u).0
            #expect(abs(lp - want) < 1e-10 * max(1, abs(want)), "\(lp) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// Each row's density chosen by a condition on the row's data and a parameter (a threshold
    /// between a normal and a Student t), against the density written out.
    @Test func termsChosenPerRow() throws {
        let source = """
        data { int N; vector[N] x; vector[N] y; }
        parameters { real mu; real<lower=0> s; real cp; }
        model {
          for (n in 1:N) {
            if (x[n] < cp) y[n] ~ normal(mu, s);
            else { target += student_t_lpdf(y[n] | 4, mu, s); target += -0.5; }
          }
        }
        """
        var rng = TestRandom(seed: 8)
        let x = rng.vector(10, -2, 2), y = rng.vector(10, -2, 2)
        let model = try stanReference(source, DataSet(["N": .integer(10), "x": .vector(x), "y": .vector(y)]))
        for _ in 0..<6 {
            let u = rng.vector(3, -1.5, 1.5)
            let (mu, s, cp) = (u[0], exp(u[1]), u[2])
            var want = u[1]
            for (xn, yn) in zip(x, y) {
                let z: Double = (yn - mu) / s
                let normal: Double = -0.5 * z * z - log(s) - 0.5 * log(2 * Double.pi)
                let studentT: Double = lgamma(2.5) - lgamma(2.0) - 0.5 * log(4 * Double.pi) - log(s) - 2.5 * log1p(z * z / 4)
                want += xn < cp ? normal : studentT - 0.5
            }
            let lp = model.logDensityAndGradient(u).0
            #expect(abs(lp - want) < 1e-10 * max(1, abs(want)), "\(lp) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// Zero-inflated Poisson written with `?:` on integer data per row (`y[n] == 0`), a density
    /// per row in a branch, equals the same model written with an `if` on the row's data.
    @Test func integerEqualityOnRowData() throws {
        let conditional = """
        data { int N; array[N] int y; }
        parameters { real<lower=0, upper=1> theta; real<lower=0> lambda; }
        model {
          for (n in 1:N)
            target += y[n] == 0 ? log_sum_exp(log(theta), log1m(theta) + poisson_lpmf(0 | lambda))
                                : log1m(theta) + poisson_lpmf(y[n] | lambda);
        }
        """
        let rowIf = conditional.replacingOccurrences(of: """
            target += y[n] == 0 ? log_sum_exp(log(theta), log1m(theta) + poisson_lpmf(0 | lambda))
                                : log1m(theta) + poisson_lpmf(y[n] | lambda);
        """, with: """
            if (y[n] == 0) target += log_sum_exp(log(theta), log1m(theta) + poisson_lpmf(0 | lambda));
            else target += log1m(theta) + poisson_lpmf(y[n] | lambda);
        """)
        let data = DataSet(["N": .integer(7), "y": .integers([0, 3, 0, 1, 0, 5, 2])])
        expectEquivalent(try stanReference(conditional, data), try stanReference(rowIf, data))
        let notEqual = conditional
            .replacingOccurrences(of: ": log1m(theta) + poisson_lpmf(y[n] | lambda);", with: ": ZERO;")
            .replacingOccurrences(of: "y[n] == 0 ? log_sum_exp(log(theta), log1m(theta) + poisson_lpmf(0 | lambda))",
                                  with: "y[n] != 0 ? log1m(theta) + poisson_lpmf(y[n] | lambda)")
            .replacingOccurrences(of: "ZERO", with: "log_sum_exp(log(theta), log1m(theta) + poisson_lpmf(0 | lambda))")
        #expect(notEqual != conditional)
        expectEquivalent(try stanReference(notEqual, data), try stanReference(rowIf, data))
    }

    /// Where the branch not taken is undefined (√ of a negative), the value and the gradient are
    /// the branch taken's: nothing passes through the other (0 · NaN would be NaN).
    @Test func theBranchNotTakenCannotPoisonTheGradient() throws {
        let model = try stanReference("""
        parameters { real mu; }
        model { target += mu > 0 ? -sqrt(mu) - log(mu) : -square(mu); }
        """, DataSet([:]))
        for mu in [-1.5, -0.2, 0.4, 2.0] {
            let (lp, g) = model.logDensityAndGradient([mu])
            #expect(lp == (mu > 0 ? -mu.squareRoot() - log(mu) : -mu * mu))
            let want = mu > 0 ? -0.5 / mu.squareRoot() - 1 / mu : -2 * mu
            #expect(abs(g[0] - want) < 1e-12, "at \(mu): \(g[0]) vs \(want)")
        }
    }

    /// In generated quantities an `if` on a parameter stays in the graph (recorded with the draws
    /// on every back end, no longer run on the host): an integer flag and a clipped value.
    @Test func generatedQuantitiesChosenByAParameter() throws {
        let source = """
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            generated quantities {
              int above = 0;
              real clipped = mu;
              if (mu > 0) { above = 1; } else { clipped = 0; }
            }
            """
        #expect(!(try StanProgram.compile(source: source, path: "m.stan")).generatedQuantitiesOnHost)
        let model = try stanReference(source, DataSet([:]))
        #expect(model.model.derivedElementNames == ["above", "clipped"])
        #expect(model.derivedValues([0.7]) == [1, 0.7])
        #expect(model.derivedValues([-0.2]) == [0, 0])
    }

    @Test func whatIsRefusedSaysWhy() {
        let head = "data { int N; vector[N] x; } parameters { real a; vector[N] mu; }\n"
        #expect(compileError(head + "model { target += a == 0 ? a : 0; }")
            .contains("== between real values computed per evaluation is not supported (equality of reals holds on a set of measure zero)"))
        #expect(compileError(head + "model { if (a) a ~ normal(0, 1); }")
            .contains("a condition on parameters (or on a vectorised loop's row) must compare two values"))
        #expect(compileError(head + "model { for (n in 1:N) { if (x[n] < a) target += mu * x[n]; } }")
            .contains("inside an if whose condition differs by row of the vectorised loop, a term must be one value per row"))
        #expect(compileError(head + "model { if (a > 0) { if (N > 2) a ~ normal(0, 1); } }")
            .contains("an if on data that adds to the log density inside an if on parameters is not supported"))
        #expect(compileError(head + "model { if (mu > 0) a ~ normal(0, 1); }")
            .contains("a condition computed per evaluation compares two scalars, got vector"))
        #expect(compileError(head + "model { vector[N] m; for (n in 1:N) m[n] = x[n] < a ? mu : rep_vector(0, N); }")
            .contains("?: with a condition that differs by row of the vectorised loop chooses between scalars"))
    }
}
