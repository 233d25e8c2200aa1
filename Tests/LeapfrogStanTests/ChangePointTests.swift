import Foundation
import LeapfrogData
import LeapfrogReference
@testable import LeapfrogStan
import LeapfrogTestSupport
import Testing

/// The Stan User's Guide's change-point model ("Latent Discrete Parameters", "Change point
/// models") in both its forms: a loop over t nested in a loop over s that adds to `lp[s]`
/// (`Lowering.increment`, a condition on both loop indices through `Lowering.perCell`), and
/// dynamic programming whose recurrence reads a count indexed by its step
/// (`Lowering.elementwiseFormula`). Both against the density written out here.
struct ChangePointTests {
    static let nested = """
    data { real<lower=0> r_e; real<lower=0> r_l; int<lower=1> T; array[T] int<lower=0> D; }
    transformed data { real log_unif = -log(T); }
    parameters { real<lower=0> e; real<lower=0> l; }
    transformed parameters {
      vector[T] lp;
      lp = rep_vector(log_unif, T);
      for (s in 1:T)
        for (t in 1:T)
          lp[s] = lp[s] + poisson_lpmf(D[t] | t < s ? e : l);
    }
    model {
      e ~ exponential(r_e);
      l ~ exponential(r_l);
      target += log_sum_exp(lp);
    }
    """

    static let dynamicProgramming = """
    data { real<lower=0> r_e; real<lower=0> r_l; int<lower=1> T; array[T] int<lower=0> D; }
    transformed data { real log_unif = -log(T); }
    parameters { real<lower=0> e; real<lower=0> l; }
    transformed parameters {
      vector[T] lp;
      {
        vector[T + 1] lp_e;
        vector[T + 1] lp_l;
        lp_e[1] = 0;
        lp_l[1] = 0;
        for (t in 1:T) {
          lp_e[t + 1] = lp_e[t] + poisson_lpmf(D[t] | e);
          lp_l[t + 1] = lp_l[t] + poisson_lpmf(D[t] | l);
        }
        lp = rep_vector(log_unif + lp_l[T + 1], T) + head(lp_e, T) - head(lp_l, T);
      }
    }
    model {
      e ~ exponential(r_e);
      l ~ exponential(r_l);
      target += log_sum_exp(lp);
    }
    """

    /// The first 20 years of the coal-mining disasters (data/coal_mining_disasters.json).
    static let counts = [4, 5, 4, 0, 1, 4, 3, 4, 0, 6, 3, 3, 4, 0, 2, 6, 3, 3, 5, 4]
    static let data = DataSet(["r_e": .scalar(1.5), "r_l": .scalar(0.5), "T": .integer(counts.count), "D": .integers(counts)], source: "coal.json")

    /// The posterior's log density on the unconstrained scale (log e, log l), written out:
    /// log Σₛ (1/T) Πₜ Poisson(Dₜ | t < s ? e : l) − r_e e − r_l l + log e + log l (the Jacobian).
    static func logDensity(_ u: [Double]) -> Double {
        let (e, l) = (exp(u[0]), exp(u[1]))
        let t = counts.count
        func poisson(_ k: Int, _ rate: Double) -> Double { Double(k) * log(rate) - rate - lgamma(Double(k) + 1) }
        let lp = (1...t).map { s in -log(Double(t)) + (1...t).map { poisson(counts[$0 - 1], $0 < s ? e : l) }.reduce(0, +) }
        let m = lp.max()!
        return m + log(lp.map { exp($0 - m) }.reduce(0, +)) - 1.5 * e - 0.5 * l + u[0] + u[1]
    }

    /// Both forms: log densities differing between points as the written-out one does (`~` may
    /// leave out constants), gradients equal to its central differences and to each other.
    @Test func bothFormsGiveTheGuidesDensity() throws {
        let forms = [try stanReference(Self.nested, Self.data), try stanReference(Self.dynamicProgramming, Self.data)]
        let base = [0.5, 0.0]
        var rng = TestRandom(seed: 23)
        for _ in 0..<5 {
            let u = rng.vector(2, -1.5, 1.5)
            let want = Self.logDensity(u) - Self.logDensity(base)
            let h = 1e-6
            let wantGradient = (0..<2).map { i in
                var (a, b) = (u, u)
                a[i] += h; b[i] -= h
                return (Self.logDensity(a) - Self.logDensity(b)) / (2 * h)
            }
            var gradients: [[Double]] = []
            for model in forms {
                let (lp, g) = model.logDensityAndGradient(u)
                let got = lp - model.logDensity(base)
                #expect(abs(got - want) < 1e-10 * max(1, abs(want)), "at \(u): \(got) vs \(want)")
                for (x, y) in zip(g, wantGradient) { #expect(abs(x - y) < 1e-6 * max(1, abs(y)), "at \(u): \(g) vs \(wantGradient)") }
                gradients.append(g)
            }
            for (x, y) in zip(gradients[0], gradients[1]) { #expect(abs(x - y) < 1e-10 * max(1, abs(y))) }
        }
    }

    /// `lp[s] += …` and `lp[s] = … + lp[s]` are the same increment; an assignment in the inner loop
    /// that reads the element otherwise (a product) is a recurrence along it.
    @Test func incrementsOfAnElementOverTheInnerLoop() throws {
        let line = "lp[s] = lp[s] + poisson_lpmf(D[t] | t < s ? e : l);"
        let reference = try stanReference(Self.nested, Self.data)
        for variant in ["lp[s] += poisson_lpmf(D[t] | t < s ? e : l);", "lp[s] = poisson_lpmf(D[t] | t < s ? e : l) + lp[s];"] {
            let model = try stanReference(Self.nested.replacingOccurrences(of: line, with: variant), Self.data)
            for u in [[0.3, -0.2], [1.1, -0.5]] {
                let (a, ga) = model.logDensityAndGradient(u)
                let (b, gb) = reference.logDensityAndGradient(u)
                #expect(abs(a - b) < 1e-12 * abs(b), "\(variant)")
                #expect(zip(ga, gb).allSatisfy { abs($0 - $1) < 1e-10 * max(1, abs($1)) }, "\(variant)")
            }
        }
        // A product over the inner loop is a recurrence along the element (`FillNest`): every
        // lp[s] is log_unif · Πₜ (1 + log Poisson(Dₜ | e) / 100), and the target log T plus that
        // (with the exponential priors' constants).
        let product = try stanReference(Self.nested.replacingOccurrences(of: line, with: "lp[s] = lp[s] * (1 + 0.01 * poisson_lpmf(D[t] | e));"),
                                        Self.data)
        for u in [[0.3, -0.2], [1.1, -0.5]] {
            let (e, l) = (exp(u[0]), exp(u[1]))
            let each = Self.counts.map { 1 + 0.01 * (Double($0) * log(e) - e - lgamma(Double($0) + 1)) }.reduce(-log(Double(Self.counts.count)), *)
            let want = log(Double(Self.counts.count)) + each + log(1.5) - 1.5 * e + log(0.5) - 0.5 * l + u[0] + u[1]
            #expect(abs(product.logDensity(u) - want) < 1e-9 * abs(want), "\(product.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(product, at: u) < GradientCheck.tolerance)
        }
    }

    /// `?:` on the inner index alone and on both indices inside a `~` of a nested loop, its
    /// branches a shared parameter and one per row: y[n, j] ~ normal(j <= K ? a : b[n], 1) and
    /// normal(j < n ? a : 0, 1); and on a shared parameter, between shared values and per-row
    /// ones (counted once per cell): against the densities written out.
    @Test func conditionsOnTheInnerIndex() throws {
        let source = """
        data { int N; int J; int K; array[N, J] real y; }
        parameters { real a; vector[N] b; }
        model {
          for (n in 1:N)
            for (j in 1:J) {
              y[n, j] ~ normal(j <= K ? a : b[n], 1);
              target += normal_lpdf(y[n, j] | j < n ? a : 0, 2);
              target += 0.1 * (a > 0 ? a : -a) + 0.2 * (a > 0.5 ? b[n] : 0);
            }
        }
        """
        var rng = TestRandom(seed: 7)
        let (n, j, k) = (4, 5, 2)
        let y = (0..<n).map { _ in rng.vector(j, -2, 2) }
        let model = try stanReference(source, DataSet(["N": .integer(n), "J": .integer(j), "K": .integer(k), "y": .matrix(rows: y)]))
        func written(_ u: [Double]) -> Double {
            let (a, b) = (u[0], Array(u[1...]))
            var total = 0.0
            for r in 0..<n {
                for c in 0..<j {
                    let mu = c + 1 <= k ? a : b[r]
                    total += -0.5 * (y[r][c] - mu) * (y[r][c] - mu)
                    let nu = c + 1 < r + 1 ? a : 0
                    total += -0.5 * (y[r][c] - nu) * (y[r][c] - nu) / 4 - log(2) - 0.5 * log(2 * Double.pi)
                    total += 0.1 * abs(a) + 0.2 * (a > 0.5 ? b[r] : 0)
                }
            }
            return total
        }
        let base = [Double](repeating: 0, count: 1 + n)
        for _ in 0..<4 {
            let u = rng.vector(1 + n, -1, 1)
            let got = model.logDensity(u) - model.logDensity(base)
            let want = written(u) - written(base)
            #expect(abs(got - want) < 1e-10 * max(1, abs(want)), "at \(u): \(got) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// Counts indexed by a recurrence's step in each discrete family with a formula:
    /// `poisson_log`, `bernoulli_logit` and `binomial_logit` with its trials indexed too.
    @Test func countsIndexedByTheStepOfARecurrence() throws {
        let source = """
        data { int T; array[T] int k; array[T] int y; array[T] int n; }
        parameters { real a; real b; }
        transformed parameters {
          vector[T + 1] acc;
          acc[1] = 0;
          for (t in 1:T)
            acc[t + 1] = acc[t] + poisson_log_lpmf(k[t] | a + 0.1 * acc[t]) + bernoulli_logit_lpmf(y[t] | b)
                         + binomial_logit_lpmf(k[t] | n[t], a - b);
        }
        model { target += acc[T + 1]; }
        """
        let (k, y, n) = ([2, 0, 3, 1, 4], [1, 0, 0, 1, 1], [4, 3, 5, 2, 6])
        let model = try stanReference(source, DataSet(["T": .integer(5), "k": .integers(k), "y": .integers(y), "n": .integers(n)]))
        func logInvLogit(_ x: Double) -> Double { -log1p(exp(-x)) }
        func written(_ u: [Double]) -> Double {
            let (a, b) = (u[0], u[1])
            var acc = 0.0
            for t in 0..<5 {
                let (kt, nt) = (Double(k[t]), Double(n[t]))
                let eta = a + 0.1 * acc
                let poisson = kt * eta - exp(eta) - lgamma(kt + 1)
                let bernoulli = y[t] == 1 ? logInvLogit(b) : logInvLogit(-b)
                let choose = lgamma(nt + 1) - lgamma(kt + 1) - lgamma(nt - kt + 1)
                let binomial = choose + kt * logInvLogit(a - b) + (nt - kt) * logInvLogit(b - a)
                acc += poisson + bernoulli + binomial
            }
            return acc
        }
        for u in [[0.2, -0.4], [-0.7, 1.3], [0.5, 0.5]] {
            let lp = model.logDensity(u)
            #expect(abs(lp - written(u)) < 1e-10 * max(1, abs(lp)), "at \(u): \(lp) vs \(written(u))")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }
}
