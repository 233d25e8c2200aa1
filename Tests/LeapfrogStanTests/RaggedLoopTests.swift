import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Loops nested in a vectorised loop whose range depends on the outer index through data
/// (`Lowering+RaggedLoops`): one vectorised loop over the (i, t) pairs, against the densities
/// written out here, gradients against finite differences; what they cannot hold is refused. So
/// are nested loops whose body is an `if` on data that reads the inner index (pairs filtered by
/// the condition).
struct RaggedLoopTests {
    /// Capture histories: y[i, t] for individuals first seen at first[i] (0: never) and last at
    /// last[i].
    static let histories = [[0, 1, 0, 1, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 1], [0, 0, 0, 1, 0]]
    static var first: [Int] { histories.map { h in (h.firstIndex(of: 1) ?? -1) + 1 } }
    static var last: [Int] { histories.map { h in (h.lastIndex(of: 1) ?? -1) + 1 } }

    /// The User's Guide's Cormack–Jolly–Seber likelihood as it writes its model block (the
    /// probability of never being seen again here a parameter chi of its own): per individual
    /// seen, a range from first[i] + 1 to last[i] inside an `if` on the row's data; rows whose
    /// range is empty add nothing.
    @Test func captureHistoriesAreTheirLikelihood() throws {
        let t = Self.histories[0].count
        let model = try stanReference(StanFixtures.captureHistories, DataSet([
            "T": .integer(t), "I": .integer(Self.histories.count), "y": .matrix(rows: Self.histories.map { $0.map(Double.init) }),
            "first": .integers(Self.first), "last": .integers(Self.last)], source: "cjs.json"))
        func written(_ u: [Double]) -> Double {
            let x = u.map { 1 / (1 + exp(-$0)) }
            let (phi, p, chi) = (Array(x[0..<(t - 1)]), Array(x[(t - 1)..<(2 * t - 1)]), Array(x[(2 * t - 1)...]))
            var lp = x.map { log($0 * (1 - $0)) }.reduce(0, +)  // the Jacobians of the logit transforms
            for (i, h) in Self.histories.enumerated() where Self.first[i] > 0 {
                if Self.first[i] + 1 <= Self.last[i] {
                    for s in (Self.first[i] + 1)...Self.last[i] {
                        lp += log(phi[s - 2]) + (h[s - 1] == 1 ? log(p[s - 1]) : log1p(-p[s - 1]))
                    }
                }
                lp += log(chi[Self.last[i] - 1])
            }
            return lp
        }
        var rng = TestRandom(seed: 14)
        for _ in 0..<4 {
            let u = rng.vector(3 * t - 1, -1.5, 1.5)
            let got = model.logDensity(u)
            #expect(abs(got - written(u)) < 1e-11 * abs(got), "\(got) vs \(written(u))")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// Ragged data by start position and length (`for (n in pos[k]:(pos[k] + len[k] - 1))`),
    /// a group of length 0 included, against each group's normal density.
    @Test func groupsByPositionAndLength() throws {
        let y = [0.3, -0.2, 1.1, 0.7, 2.0, 1.4]
        let (pos, len) = ([1, 4, 4], [3, 0, 3])
        let model = try stanReference("""
        data { int N; int K; vector[N] y; array[K] int pos; array[K] int len; }
        parameters { vector[K] mu; real<lower=0> sigma; }
        model {
          for (k in 1:K)
            for (n in pos[k]:(pos[k] + len[k] - 1))
              y[n] ~ normal(mu[k], sigma);
        }
        """, DataSet(["N": .integer(y.count), "K": .integer(3), "y": .vector(y), "pos": .integers(pos), "len": .integers(len)], source: "d.json"))
        for u in [[0.1, 0.5, -0.3, 0.2], [1.0, -1.0, 0.4, -0.6]] {
            let sigma = exp(u[3])
            var want = u[3]
            for k in 0..<3 where len[k] > 0 {
                for n in pos[k]...(pos[k] + len[k] - 1) {
                    let z = (y[n - 1] - u[k]) / sigma
                    want += -0.5 * z * z - log(sigma) - 0.5 * log(2 * Double.pi)
                }
            }
            #expect(abs(model.logDensity(u) - want) < 1e-12 * abs(want), "\(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// A nested loop from a constant other than 1 (BUGS' dogs: `for (trial in 2:Ntrials)`), the
    /// same range in every row: the ragged loop over its pairs, against the densities written out.
    @Test func aNestedRangeFromAConstant() throws {
        let y = [[0, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1]]
        let x: [[Double]] = [[0.5, 1, 2, 0.3], [1.5, 0.2, 0.7, 1], [2, 1, 0.4, 0.9]]
        let model = try stanReference("""
        data { int N; int T; array[N, T] int y; array[N, T] real x; }
        parameters { real<upper=0> a; real<upper=0> b; }
        model {
          for (d in 1:N)
            for (t in 2:T)
              y[d, t] ~ bernoulli(exp(a * x[d, t] + b * t));
        }
        """, DataSet(["N": .integer(3), "T": .integer(4), "y": DataArray(shape: [3, 4], values: y.flatMap { $0.map(Double.init) }, isInteger: true),
                      "x": .matrix(rows: x)], source: "dogs.json"))
        for u in [[0.1, -0.5], [-1.0, 0.3]] {
            let (a, b) = (-exp(u[0]), -exp(u[1]))
            var want = u[0] + u[1]
            for d in 0..<3 {
                for t in 2...4 {
                    let p = exp(a * x[d][t - 1] + b * Double(t))
                    want += y[d][t - 1] == 1 ? log(p) : log1p(-p)
                }
            }
            #expect(abs(model.logDensity(u) - want) < 1e-12 * abs(want), "\(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// A nested loop over 1:T whose density indexes by an expression of both indices (a rate by
    /// the number of earlier captures, `lambda[seen1[i, t]]`, and `lambda[seen[i, t] + 1]`): the
    /// loop over pairs, each pair's index data; against the densities written out.
    @Test func indicesComputedPerCell() throws {
        let y = [[0, 1, 1, 0], [1, 0, 0, 1], [1, 1, 1, 0]]
        let seen = y.map { row in (0..<4).map { t in row[..<t].reduce(0, +) } }
        let data = DataSet(["N": .integer(3), "T": .integer(4), "y": DataArray(shape: [3, 4], values: y.flatMap { $0.map(Double.init) }, isInteger: true),
                            "seen": DataArray(shape: [3, 4], values: seen.flatMap { $0.map(Double.init) }, isInteger: true),
                            "seen1": DataArray(shape: [3, 4], values: seen.flatMap { $0.map { Double($0 + 1) } }, isInteger: true)], source: "seen.json")
        for index in ["seen1[i, t]", "seen[i, t] + 1"] {
            let model = try stanReference("""
            data { int N; int T; array[N, T] int y; array[N, T] int seen; array[N, T] int seen1; }
            parameters { vector<lower=0>[T] lambda; }
            model {
              for (i in 1:N) for (t in 1:T) y[i, t] ~ poisson(lambda[\(index)]);
            }
            """, data)
            for u in [[0.1, -0.5, 0.3, 0.2], [-1.0, 0.3, 0.8, -0.4]] {
                let lambda = u.map { exp($0) }
                var want = u.reduce(0, +)
                for i in 0..<3 {
                    for t in 0..<4 {
                        let rate = lambda[seen[i][t]]
                        want += Double(y[i][t]) * log(rate) - rate - lgamma(Double(y[i][t]) + 1)
                    }
                }
                #expect(abs(model.logDensity(u) - want) < 1e-12 * abs(want), "\(index): \(model.logDensity(u)) vs \(want)")
                #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
            }
        }
    }

    /// An `if` on data reading both indices inside the nested loop (posteriordb's multi-species
    /// occupancy model: a detected species' likelihood, or the mixture of present-undetected and
    /// absent), each branch a loop over its cells; a second `if` without `else` on the inner index
    /// alone. Against the likelihood written out cell by cell.
    @Test func cellsSplitByAConditionOnBothIndices() throws {
        let x = [[2, 0, 1], [0, 0, 0], [3, 1, 0], [0, 2, 2]]
        let (k, w) = (4, [1.0, 0.0, 2.5])
        let model = try stanReference("""
        data { int n; int J; int K; array[n, J] int<lower=0, upper=K> X; vector[J] w; }
        parameters { vector[n] psi; vector[n] theta; real mu; }
        model {
          for (i in 1:n) {
            for (j in 1:J) {
              if (X[i, j] > 0)
                target += log_inv_logit(psi[i]) + binomial_logit_lpmf(X[i, j] | K, theta[i]);
              else
                target += log_sum_exp(log_inv_logit(psi[i]) + binomial_logit_lpmf(0 | K, theta[i]), log1m_inv_logit(psi[i]));
            }
            for (j in 1:J) if (w[j] > 0) target += normal_lpdf(w[j] | mu + psi[i], 1);
          }
        }
        """, DataSet(["n": .integer(x.count), "J": .integer(3), "K": .integer(k), "X": .matrix(rows: x.map { $0.map(Double.init) }),
                       "w": .vector(w)], source: "occupancy.json"))
        func written(_ u: [Double]) -> Double {
            let n = x.count
            func logInvLogit(_ v: Double) -> Double { -log1p(exp(-v)) }
            func binomial(_ y: Int, _ eta: Double) -> Double {
                let logChoose = lgamma(Double(k + 1)) - lgamma(Double(y + 1)) - lgamma(Double(k - y + 1))
                return logChoose + Double(y) * eta - Double(k) * log1p(exp(eta))
            }
            var lp = 0.0
            for i in 0..<n {
                let (psi, theta) = (u[i], u[n + i])
                for j in 0..<3 {
                    if x[i][j] > 0 {
                        lp += logInvLogit(psi) + binomial(x[i][j], theta)
                    } else {
                        let (a, b) = (logInvLogit(psi) + binomial(0, theta), logInvLogit(-psi))
                        lp += max(a, b) + log(exp(a - max(a, b)) + exp(b - max(a, b)))
                    }
                    if w[j] > 0 { lp += -0.5 * pow(w[j] - u[2 * n] - psi, 2) - 0.5 * log(2 * Double.pi) }
                }
            }
            return lp
        }
        var rng = TestRandom(seed: 31)
        for _ in 0..<4 {
            let u = rng.vector(2 * x.count + 1, -1.5, 1.5)
            let got = model.logDensity(u)
            #expect(abs(got - written(u)) < 1e-12 * abs(got), "\(got) vs \(written(u))")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// A declaration inside, and a local of the outer loop read inside, are refused by name.
    @Test func whatIsRefused() {
        let header = "data { int N; array[N] int a; array[N] int b; vector[10] y; } parameters { real mu; } model {\n"
        let assigns = compileError(header + "for (i in 1:N) for (t in a[i]:b[i]) { real w = mu; y[t] ~ normal(w, 1); } }")
        #expect(assigns.contains("can only hold ~ and target +="), "\(assigns)")
        let local = compileError(header + "for (i in 1:N) { real m = mu * i; for (t in a[i]:b[i]) y[t] ~ normal(m, 1); } }")
        #expect(local.contains("'m' (declared in the outer loop) cannot be read"), "\(local)")
    }
}
