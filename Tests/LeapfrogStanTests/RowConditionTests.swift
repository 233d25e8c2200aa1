import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `if` on the loop index inside a vectorised loop (Lowering+RowConditions): each branch becomes
/// a loop over the rows that take it. Checked against the same models written without the `if`
/// (log densities up to a constant, gradients, finite differences), on posteriordb's `M0_model`,
/// and for the messages of what stays unsupported.
@Suite struct RowConditionTests {
    static let program = StanFixtures.rowConditions
    static let data = StanFixtures.rowConditionsData

    /// The same log density with the rows split by hand: rows 1, 3, 6 in group 1; rows 2, 4, 5
    /// not, of which rows 4 and 5 have x > 0.
    static let written = """
    data { int N; array[3] int y1; array[3] int g1; vector[3] x1; array[2] int g45; vector[2] x45; }
    parameters { vector[N] mu; real<lower=0, upper=1> omega; real b; }
    model {
      mu ~ normal(0, 1);
      b ~ normal(0, 1);
      y1 ~ bernoulli_logit(mu[g1] + b * x1);
      target += 3 * (log_sum_exp(log(omega), log1m(omega)) + log1m(omega));
      target += normal_lpdf(x45 | mu[g45], 2);
    }
    """

    static let writtenData = DataSet(["N": .integer(6), "y1": .integers([1, 1, 0]), "g1": .integers([1, 3, 6]),
                                      "x1": .vector([0.5, 2, -0.7]), "g45": .integers([4, 5]), "x45": .vector([0.3, 1.5])],
                                     source: "test")

    @Test func branchesAreLoopsOverTheirRows() throws {
        expectEquivalent(try stanReference(Self.program, Self.data), try stanReference(Self.written, Self.writtenData))
    }

    /// A branch that no row takes adds nothing.
    @Test func aBranchWithNoRowsAddsNothing() throws {
        var data = Self.data
        data.variables["group"] = .integers([1, 1, 1, 1, 1, 1])
        let all = """
        data { int N; array[N] int y; vector[N] x; }
        parameters { vector[N] mu; real<lower=0, upper=1> omega; real b; }
        model { mu ~ normal(0, 1); b ~ normal(0, 1); omega ~ uniform(0, 1); y ~ bernoulli_logit(mu + b * x); }
        """
        expectEquivalent(try stanReference(Self.program, data), try stanReference(all, data))
    }

    /// posteriordb's M0 capture–recapture model: 𝓛 = Πᵢ [sᵢ > 0] ω Binomial(sᵢ | T, p) +
    /// [sᵢ = 0] (ω (1 − p)^T + 1 − ω), written out here from its data.
    @Test func posteriorDBsM0IsItsLikelihoodWrittenOut() throws {
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/M0_data.json"))
        let model = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/M0_model.stan"))
        let (graph, prepared) = try model.instantiate(data: data)
        let stan = try ReferenceModel(graph: graph, data: prepared)
        let y = data.variables["y"]!.values, t = 3
        let s = stride(from: 0, to: y.count, by: t).map { Int(y[$0..<($0 + t)].reduce(0, +)) }
        let observed = s.filter { $0 > 0 }
        var written = DataSet(["C": .integer(observed.count), "Z": .integer(s.count - observed.count), "T": .integer(t),
                               "s": .integers(observed)], source: "test")
        written.source = "M0 written out"
        let source = """
        data { int C; int Z; int T; array[C] int s; }
        parameters { real<lower=0, upper=1> omega; real<lower=0, upper=1> p; }
        model {
          target += C * log(omega);
          s ~ binomial(T, p);
          target += Z * log_sum_exp(log(omega) + T * log1m(p), log1m(omega));
        }
        """
        expectEquivalent(stan, try stanReference(source, written))
    }

    /// posteriordb's Mt: a per-row Bernoulli log density (a row of T occasions) inside
    /// log_sum_exp. 𝓛 = Πᵢ [sᵢ > 0] ω Πₜ Bernoulli(yᵢₜ | pₜ) + [sᵢ = 0] (ω Πₜ (1 − pₜ) + 1 − ω),
    /// written out with the observed rows' capture counts per occasion.
    @Test func posteriorDBsMtIsItsLikelihoodWrittenOut() throws {
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/Mt_data.json"))
        let model = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/Mt_model.stan"))
        let (graph, prepared) = try model.instantiate(data: data)
        let stan = try ReferenceModel(graph: graph, data: prepared)
        let y = data.variables["y"]!.values, t = Int(data.variables["T"]!.values[0])
        let rows = stride(from: 0, to: y.count, by: t).map { Array(y[$0..<($0 + t)]) }
        let observed = rows.filter { $0.contains(1) }
        let counts = (0..<t).map { k in observed.map { $0[k] }.reduce(0, +) }
        let written = DataSet(["C": .integer(observed.count), "Z": .integer(rows.count - observed.count), "T": .integer(t),
                               "n": .vector(counts)], source: "Mt written out")
        let source = """
        data { int C; int Z; int T; vector[T] n; }
        parameters { real<lower=0, upper=1> omega; vector<lower=0, upper=1>[T] p; }
        model {
          target += C * log(omega) + sum(n .* log(p) + (C - n) .* log1m(p));
          target += Z * log_sum_exp(log(omega) + sum(log1m(p)), log1m(omega));
        }
        """
        expectEquivalent(stan, try stanReference(source, written))
    }

    /// The assignments written with 0/1 data in place of the `if` (group 1: rows 1, 3, 6; x > 0:
    /// rows 1, 3, 4, 5), where log(x) is taken only where x > 0 (the fixture computes it in the
    /// branch only).
    @Test func assignmentsInBranchesAreTheirRowsPutBackInOrder() throws {
        let written = """
        data { int N; array[N] int y; vector[N] x; vector[N] g1; vector[N] pos; vector[N] logx; }
        parameters { vector[N] mu; real<lower=0, upper=1> omega; real b; }
        model {
          vector[N] eta = g1 .* (mu + b * x) + (1 - g1) .* (omega * mu);
          vector[N] scale = g1 * 1.5 + (1 - g1) * (1 + omega);
          vector[N] m1 = pos .* (logx * b) + (1 - pos) * b;
          vector[N] m2 = pos .* mu + (1 - pos) .* (2 * mu);
          mu ~ normal(0, 1);
          b ~ normal(0, 1);
          y ~ bernoulli_logit(eta);
          x ~ normal(2 * m1 + 3 * m2, scale);
        }
        """
        let x = Self.data.variables["x"]!.values
        var data = Self.data
        data.variables["g1"] = .vector(Self.data.variables["group"]!.values.map { $0 == 1 ? 1 : 0 })
        data.variables["pos"] = .vector(x.map { $0 > 0 ? 1 : 0 })
        data.variables["logx"] = .vector(x.map { $0 > 0 ? Foundation.log($0) : 0 })
        let stan = try stanReference(StanFixtures.rowConditionAssignments, Self.data)
        expectEquivalent(stan, try stanReference(written, data))
        // No NaN from log(x ≤ 0) anywhere: the gradient is finite at every point.
        var rng = TestRandom(seed: 3)
        for _ in 0..<5 { #expect(stan.logDensityAndGradient(rng.vector(stan.dimension, -2, 2)).1.allSatisfy { $0.isFinite }) }
    }

    /// Every row in one branch: the other branch's part has no rows.
    @Test func assignmentsWhenOneBranchHasNoRows() throws {
        var data = Self.data
        data.variables["group"] = .integers([2, 2, 2, 2, 2, 2])
        data.variables["x"] = .vector([0.5, 1, 2, 0.3, 1.5, 0.7])
        let written = """
        data { int N; array[N] int y; vector[N] x; }
        parameters { vector[N] mu; real<lower=0, upper=1> omega; real b; }
        model {
          mu ~ normal(0, 1);
          b ~ normal(0, 1);
          y ~ bernoulli_logit(omega * mu);
          x ~ normal(2 * log(x) * b + 3 * mu, 1 + omega);
        }
        """
        expectEquivalent(try stanReference(StanFixtures.rowConditionAssignments, data), try stanReference(written, data))
    }

    /// posteriordb's Mh (a constant count beside a per-row logit: `binomial_logit_lpmf(0 | T,
    /// eps[i])`) and Mtbh (`logit_p[:, 1] = …` then `logit_p[i, j]` for j ≥ 2), against their
    /// likelihoods written out here at random points: differences of log densities.
    @Test func posteriorDBsMhAndMtbhAreTheirLikelihoodsWrittenOut() throws {
        func logBinomial(_ k: Double, _ n: Double, logit a: Double) -> Double {
            lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * a - n * log1p(exp(a))
        }
        func logSumExp(_ a: Double, _ b: Double) -> Double { max(a, b) + log1p(exp(-abs(a - b))) }
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        func invLogit(_ u: Double) -> Double { 1 / (1 + exp(-u)) }
        var rng = TestRandom(seed: 17)
        // Mh: u = (omega, mean_p, sigma on (0, 5), eps_raw[M]), each bound's log-Jacobian included.
        do {
            let data = try StanJSON.load(path: RepositoryData.path("posteriordb/Mh_data.json"))
            let (graph, prepared) = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/Mh_model.stan")).instantiate(data: data)
            let stan = try ReferenceModel(graph: graph, data: prepared)
            let y = data.variables["y"]!.values, t = data.variables["T"]!.values[0]
            func lp(_ u: [Double]) -> Double {
                let (omega, meanP, sigma) = (invLogit(u[0]), invLogit(u[1]), 5 * invLogit(u[2]))
                var total = log(omega * (1 - omega)) + log(meanP * (1 - meanP)) + log(sigma * (5 - sigma) / 5)
                for (i, yi) in y.enumerated() {
                    let raw = u[3 + i], eps = logit(meanP) + sigma * raw
                    total += -0.5 * raw * raw
                    total += yi > 0 ? log(omega) + logBinomial(yi, t, logit: eps)
                                    : logSumExp(log(omega) + logBinomial(0, t, logit: eps), log1p(-omega))
                }
                return total
            }
            let (u0, u1) = (rng.vector(stan.dimension, -1, 1), rng.vector(stan.dimension, -1, 1))
            #expect(abs((stan.logDensity(u1) - stan.logDensity(u0)) - (lp(u1) - lp(u0))) < 1e-8)
            #expect(GradientCheck.worstRelativeError(stan, at: u1) < GradientCheck.tolerance)
        }
        // Mtbh: u = (omega, mean_p[T], gamma, sigma on (0, 3), eps_raw[M]).
        do {
            let data = try StanJSON.load(path: RepositoryData.path("posteriordb/Mtbh_data.json"))
            let (graph, prepared) = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/Mtbh_model.stan")).instantiate(data: data)
            let stan = try ReferenceModel(graph: graph, data: prepared)
            let y = data.variables["y"]!.values, t = Int(data.variables["T"]!.values[0]), m = y.count / t
            func lp(_ u: [Double]) -> Double {
                let omega = invLogit(u[0]), meanP = (0..<t).map { invLogit(u[1 + $0]) }
                let (gamma, sigma) = (u[1 + t], 3 * invLogit(u[2 + t]))
                var total = log(omega * (1 - omega)) + meanP.map { log($0 * (1 - $0)) }.reduce(0, +) + log(sigma * (3 - sigma) / 3)
                total += -0.5 * gamma * gamma / 100
                for i in 0..<m {
                    let raw = u[3 + t + i], eps = sigma * raw
                    total += -0.5 * raw * raw
                    var row = 0.0, captured = false
                    for j in 0..<t {
                        let a = logit(meanP[j]) + eps + (j > 0 ? gamma * y[i * t + j - 1] : 0)
                        row += logBinomial(y[i * t + j], 1, logit: a)
                        captured = captured || y[i * t + j] > 0
                    }
                    total += captured ? log(omega) + row : logSumExp(log(omega) + row, log1p(-omega))
                }
                return total
            }
            let (u0, u1) = (rng.vector(stan.dimension, -1, 1), rng.vector(stan.dimension, -1, 1))
            #expect(abs((stan.logDensity(u1) - stan.logDensity(u0)) - (lp(u1) - lp(u0))) < 1e-8)
            #expect(GradientCheck.worstRelativeError(stan, at: u1) < GradientCheck.tolerance)
        }
    }

    @Test func whatStaysUnsupportedSaysSo() {
        let head = "data { int N; vector[N] x; } parameters { vector[N] mu; real a; }\n"
        #expect(compileError(head + "transformed parameters { vector[N] z; for (n in 1:N) { if (x[n] > 0) z[n] = a; } }")
            .contains("error: 'z[n]' is assigned only where the condition holds, and 'z' has no value on the other rows"))
        // A branch reading its own rows before any value: named as written, not by the branch's copy.
        #expect(compileError(head + "model { vector[N] z; for (n in 1:N) { if (x[n] > 0) z[n] = a; else z[n] = a + z[n]; } }")
            .contains("error: 'z' is used before it is assigned"))
        #expect(compileError(head + "transformed parameters { vector[N] z = x; for (n in 2:N) { if (x[n] > 0) z[n] = z[n - 1]; } }")
            .contains("error: an if on 'n', the index of a loop whose steps depend on each other (a recurrence), is not supported yet"))
        #expect(compileError(head + "transformed parameters { vector[N] z = x; for (n in 1:N) { if (x[n] > 0) z[n] = sum(z); } }")
            .contains("error: inside an if on the loop index that assigns z[n], 'z' can only be read as z[n]"))
        #expect(compileError(head + "model { for (n in 1:N) { real w = x[n] * a; if (x[n] > 0) w = 2 * w; target += w * mu[n]; } }")
            .contains("error: inside an if on the loop index, 'w' (declared in the loop) cannot be assigned"))
    }

    /// A local of the loop read inside the branches (`vector[T] qp = 1.0 - p[i]';` before `if
    /// (first[i])`, BPA's Jolly–Seber likelihoods): each branch reads its rows of it, as the
    /// program with the local's value written in its place.
    @Test func aLocalOfTheLoopIsReadInTheBranches() throws {
        let head = "data { int N; vector[N] y; array[N] int g; } parameters { real mu; real<lower=0> s; vector[N] b; }\n"
        let local = head + """
        model {
          mu ~ normal(0, 1); s ~ lognormal(0, 1); b ~ normal(0, 1);
          for (n in 1:N) {
            real m = mu * y[n] + b[n];
            if (g[n] == 1) y[n] ~ normal(m, s);
            else target += normal_lpdf(y[n] | -m, 2 * s) + m;
          }
        }
        """
        let inline = head + """
        model {
          mu ~ normal(0, 1); s ~ lognormal(0, 1); b ~ normal(0, 1);
          for (n in 1:N) {
            if (g[n] == 1) y[n] ~ normal(mu * y[n] + b[n], s);
            else target += normal_lpdf(y[n] | -(mu * y[n] + b[n]), 2 * s) + mu * y[n] + b[n];
          }
        }
        """
        let data = DataSet(["N": .integer(5), "y": .vector([0.5, -1, 2, 0.3, 1.1]), "g": .integers([1, 2, 1, 2, 2])])
        expectEquivalent(try stanReference(local, data), try stanReference(inline, data))
    }
}
