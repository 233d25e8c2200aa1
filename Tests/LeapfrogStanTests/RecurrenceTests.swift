import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Loops whose steps depend on each other (`Lowering+Recurrences`): posteriordb's time series
/// compile to recurrences whose graph does not grow with the series, their gradients match
/// finite differences, and bad programs or data get messages that name the variable and line.
@Suite struct RecurrenceTests {
    /// posteriordb's program, or for hmm_example its model without the generated quantities
    /// (a Viterbi decoder: `if` on parameters, which the graph cannot express).
    static func program(_ model: String) throws -> StanModel {
        let path = RepositoryData.path("posteriordb/stan/\(model).stan")
        guard model == "hmm_example" else { return try StanProgram.load(path: path) }
        let source = try String(contentsOfFile: path, encoding: .utf8)
        return try StanProgram.compile(source: String(source[..<source.range(of: "generated quantities")!.lowerBound]), path: path)
    }

    static func load(_ model: String, _ data: String) throws -> (ModelGraph, ReferenceModel) {
        let program = try program(model)
        let (graph, prepared) = try program.instantiate(data: try StanJSON.load(path: RepositoryData.path("posteriordb/\(data).json")))
        return (graph, try ReferenceModel(graph: graph, data: prepared))
    }

    @Test(arguments: [("arK", "arK"), ("arma11", "arma"), ("garch11", "garch"), ("hmm_example", "hmm_example")])
    func posteriordbRecurrencesHaveExactGradients(_ posterior: (String, String)) throws {
        let (graph, model) = try Self.load(posterior.0, posterior.1)
        #expect(!graph.nodes.filter { $0.op == .loop }.isEmpty, "\(posterior.0) lowers to a recurrence")
        var rng = TestRandom(seed: 11)
        for _ in 0..<2 {
            let u = rng.vector(model.dimension, -0.5, 0.5)
            let err = GradientCheck.worstRelativeError(model, at: u)
            #expect(model.logDensity(u).isFinite, "\(posterior.0)")
            #expect(err < GradientCheck.tolerance, "\(posterior.0): relative error \(err)")
        }
    }

    @Test func theGraphDoesNotGrowWithTheSeries() throws {
        let program = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/garch11.stan"))
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/garch.json"))
        var short = data
        short["T"] = .integer(20)
        short["y"] = DataArray(shape: [20], values: Array(data["y"]!.values.prefix(20)))
        let (long, _) = try program.instantiate(data: data)
        let (small, _) = try program.instantiate(data: short)
        #expect(long.nodes.count == small.nodes.count)
        #expect(long.nodes.count < 60)
    }

    @Test func garchMatchesAPlainLoop() throws {
        let (_, model) = try Self.load("garch11", "garch")
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/garch.json"))
        let y = data["y"]!.values
        let u = [0.3, -0.2, 0.1, -0.4]
        let x = model.recordedValues(ChainBatch(chains: 1, dimension: 4, values: u)).vector(chain: 0)
        // Recorded: mu, alpha0, alpha1, beta1__free, then beta1 (the bound on alpha1 is a transform).
        let (mu, a0, a1) = (x[0], x[1], x[2])
        let b1 = try #require(x.last)
        var sigma = 0.5, lp = 0.0
        for t in 0..<y.count {
            if t > 0 { sigma = (a0 + a1 * (y[t - 1] - mu) * (y[t - 1] - mu) + b1 * sigma * sigma).squareRoot() }
            lp += -0.5 * ((y[t] - mu) / sigma) * ((y[t] - mu) / sigma) - log(sigma) - 0.5 * log(2 * Double.pi)
        }
        // The density differs from the likelihood by the transforms' log-Jacobians only.
        let logJacobian = u[1] + (-log1p(exp(-u[2])) - log1p(exp(u[2]))) + log(1 - a1) + (-log1p(exp(-u[3])) - log1p(exp(u[3])))
        #expect(abs(model.logDensity(u) - lp - logJacobian) < 1e-8, "\(model.logDensity(u)) against \(lp + logJacobian)")
    }

    /// posteriordb's `prophet` (Facebook's Prophet model): its changepoint matrix is built by a
    /// `while` in a function transformed data calls, and the logistic trend's offsets are a
    /// recurrence inside an `if` on data (`trend_indicator`). Both trends against the model
    /// written out here, at a point and by finite differences.
    @Test(arguments: [0, 1])
    func prophetIsTheWrittenOutModel(_ trend: Int) throws {
        var data = try StanJSON.load(path: RepositoryData.path("posteriordb/rstan_downloads.json"))
        data["trend_indicator"] = .integer(trend)
        let (graph, prepared) = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/prophet.stan")).instantiate(data: data)
        let model = try ReferenceModel(graph: graph, data: prepared)
        func values(_ name: String) -> [Double] { data[name]!.values }
        let (t, cap, y, changes, X) = (values("t"), values("cap"), values("y"), values("t_change"), values("X"))
        let (sigmas, additive, multiplicative, tau) = (values("sigmas"), values("s_a"), values("s_m"), values("tau")[0])
        let (S, K) = (changes.count, sigmas.count)
        func normal(_ x: Double, _ mean: Double, _ sd: Double) -> Double {
            let z = (x - mean) / sd
            return -0.5 * z * z - log(sd) - 0.5 * log(2 * Double.pi)
        }
        func logDensity(_ u: [Double]) -> Double {
            let (k, m, delta, sigma, beta) = (u[0], u[1], Array(u[2..<(2 + S)]), exp(u[2 + S]), Array(u[(3 + S)...]))
            // The logistic trend's offsets, for piecewise continuity.
            var gamma = [Double](repeating: 0, count: S)
            var (rate, previous) = (k, m)
            for j in 0..<S {
                gamma[j] = (changes[j] - previous) * (1 - rate / (rate + delta[j]))
                previous += gamma[j]
                rate += delta[j]
            }
            var lp = normal(k, 0, 5) + normal(m, 0, 5) + normal(sigma, 0, 0.5) + u[2 + S]   // σ's log-Jacobian
            lp += delta.map { -log(2 * tau) - abs($0) / tau }.reduce(0, +)
            lp += zip(beta, sigmas).map { normal($0, 0, $1) }.reduce(0, +)
            for i in t.indices {
                var (rate, offset) = (k, m)
                for j in 0..<S where t[i] >= changes[j] {
                    rate += delta[j]
                    offset += trend == 0 ? -changes[j] * delta[j] : gamma[j]
                }
                let level = trend == 0 ? rate * t[i] + offset : cap[i] / (1 + exp(-rate * (t[i] - offset)))
                let xb = (0..<K).map { X[i * K + $0] * beta[$0] }
                let scaled = zip(xb, multiplicative).map(*).reduce(0, +), added = zip(xb, additive).map(*).reduce(0, +)
                lp += normal(y[i], level * (1 + scaled) + added, sigma)
            }
            return lp
        }
        // k > 0 and small changes keep the logistic trend's rates away from 0.
        let u = [0.7, -0.25] + (0..<S).map { 0.05 * sin(Double($0)) } + [-1] + (0..<K).map { 0.05 * cos(Double($0)) }
        #expect(abs(model.logDensity(u) - logDensity(u)) < 1e-9 * abs(logDensity(u)), "\(model.logDensity(u)) against \(logDensity(u))")
        #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
    }

    @Test func anOffsetBeforeTheFirstRowNamesTheAccessAndTheLine() throws {
        let source = """
        data { int T; array[T] real y; }
        parameters { real mu; real<lower=0> sigma; }
        model {
          for (t in 2:T) y[t] ~ normal(mu + y[t - 2], sigma);
        }
        """
        let program = try StanProgram.compile(source: source, path: "lag.stan")
        let data = DataSet(["T": .integer(5), "y": DataArray(shape: [5], values: [1, 2, 3, 4, 5])])
        let message = errorMessage {
            let (graph, prepared) = try program.instantiate(data: data)
            _ = try BoundModel(graph: graph, data: prepared)
        }
        #expect(message.contains("y[t - 2] (line 4) reads row 0 of 'y', which has rows 1…5 (when t = 2)"), "\(message)")
    }

    /// Rows older than the previous one are carried along (`x[t - k]`): the User's Guide's MA(2)
    /// model as written there, and a recurrence with lags 1 and 3, against the series computed
    /// here; gradients against finite differences.
    @Test func olderRowsAreCarried() throws {
        let y = [0.3, -1.2, 0.8, 1.5, -0.4, 0.9, 0.1, -2.0]
        let data = DataSet(["T": .integer(y.count), "y": .vector(y)], source: "ma.json")
        let ma = try stanReference(StanFixtures.movingAverage2, data)
        let lags = try stanReference("""
        data { int T; vector[T] y; }
        parameters { real a; real b; real c; }
        transformed parameters {
          vector[T] x;
          x[1] = c; x[2] = 2 * c; x[3] = a;
          for (t in 4:T) x[t] = a * x[t - 1] + b * x[t - 3] + y[t];
        }
        model { target += -0.5 * dot_self(x); }
        """, data)
        var rng = TestRandom(seed: 4)
        for _ in 0..<4 {
            let u = rng.vector(4, -0.8, 0.8)
            let (mu, sigma, t1, t2) = (u[0], exp(u[1]), u[2], u[3])
            var e = [y[0] - mu]
            e.append(y[1] - mu - t1 * e[0])
            var want = u[1]  // the Jacobian of sigma's log transform
            for t in 2..<y.count {
                let m = mu + t1 * e[t - 1] + t2 * e[t - 2]
                want += -0.5 * (y[t] - m) * (y[t] - m) / (sigma * sigma) - log(sigma) - 0.5 * log(2 * Double.pi)
                e.append(y[t] - m)
            }
            #expect(abs(ma.logDensity(u) - want) < 1e-11 * max(1, abs(want)), "MA(2) at \(u): \(ma.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(ma, at: u) < GradientCheck.tolerance)
            let (a, b, c) = (u[0], u[1], u[2])
            var x = [c, 2 * c, a]
            for t in 3..<y.count { x.append(a * x[t - 1] + b * x[t - 3] + y[t]) }
            let lagged = -0.5 * x.map { $0 * $0 }.reduce(0, +)
            #expect(abs(lags.logDensity(Array(u.prefix(3))) - lagged) < 1e-11 * max(1, abs(lagged)), "lags 1 and 3 at \(u)")
            #expect(GradientCheck.worstRelativeError(lags, at: Array(u.prefix(3))) < GradientCheck.tolerance)
        }
    }

    /// A read before row 1 at the loop's first step, and a read of a row not yet built, are
    /// refused with the variable, the index as written and the line.
    @Test func rowsOutsideTheRecurrenceAreRefused() throws {
        func source(_ loop: String) -> String {
            """
            data { int T; }
            parameters { real rho; }
            model {
              vector[T] x;
              x[1] = 0;
              \(loop)
              rho ~ normal(0, 1);
            }
            """
        }
        let before = errorMessage { _ = try StanProgram.compile(source: source("for (t in 2:T) x[t] = rho * x[t - 2];"), path: "lag.stan") }
        #expect(before.contains("lag.stan:6:") && before.contains("x[t - 2] reads row 0 of 'x' at the loop's first step (t = 2)"), "\(before)")
        let ahead = errorMessage { _ = try StanProgram.compile(source: source("for (t in 2:T) x[t] = rho * x[t + 1];"), path: "lag.stan") }
        #expect(ahead.contains("lag.stan:6:") && ahead.contains("'x' can only be read as x[t] or x[t - k]") && ahead.contains("not as x[t + 1]"), "\(ahead)")
    }

    /// A recurrence written forwards, `c[t + 1] = c[t] + …` for t in 1:T, is the loop over 2:(T + 1)
    /// reading `c[t - 1]`; an accumulator over a constant range (`1:rows(c)` of a parameter's
    /// size) is unrolled.
    @Test func forwardRecurrencesAndConstantAccumulators() throws {
        let program = { (loop: String) in
            """
            data { int<lower=1> T; vector[T] y; }
            parameters { real mu; vector[3] v; }
            transformed parameters {
              vector[T + 1] c;
              c[1] = 0;
              \(loop)
            }
            model { real s = 0; for (i in 1:rows(v)) s += square(v[i]); target += -0.5 * s; mu ~ normal(0, 1); target += c[T + 1]; }
            """
        }
        let data = DataSet(["T": .integer(4), "y": .vector([1, 2, 3, -0.5])], source: "test")
        let forward = try stanReference(program("for (t in 1:T) c[t + 1] = c[t] + y[t] * mu;"), data)
        expectEquivalent(forward, try stanReference(program("for (t in 2:(T + 1)) c[t] = c[t - 1] + y[t - 1] * mu;"), data))
        // mu = 0.5, v = (1, 2, 3): −0.5 · 14 from the accumulator, c[5] = 0.5 · 5.5.
        let lp = forward.logDensity([0.5, 1, 2, 3])
        #expect(abs(lp - (-7 - 0.125 - 0.5 * log(2 * Double.pi) + 2.75)) < 1e-12, "\(lp)")
    }

    /// `phi[k, u[t]]` inside a recurrence over t, u integer data (`StanFixtures.stepDataIndex`,
    /// the semi-supervised HMM's forward algorithm): against the forward algorithm written out,
    /// the simplexes as softmax([u; 0]) with log-Jacobian Σ log xₖ; gradients by finite differences.
    @Test func aDataIndexReadAtTheStep() throws {
        let model = try stanReference(StanFixtures.stepDataIndex, StanFixtures.stepDataIndexData)
        let words = StanFixtures.stepDataIndexWords
        func simplex(_ u: ArraySlice<Double>) -> [Double] {
            let e = (Array(u) + [0]).map(exp), total = e.reduce(0, +)
            return e.map { $0 / total }
        }
        func logSumExp(_ x: [Double]) -> Double { let m = x.max()!; return m + log(x.map { exp($0 - m) }.reduce(0, +)) }
        var rng = TestRandom(seed: 27)
        for _ in 0..<3 {
            let u = rng.vector(model.dimension, -1, 1)   // theta: 2 × 1 free, phi: 2 × 2 free
            let theta = [simplex(u[0..<1]), simplex(u[1..<2])], phi = [simplex(u[2..<4]), simplex(u[4..<6])]
            var gamma = (0..<2).map { log(phi[$0][words[0] - 1]) }
            for t in 1..<words.count {
                gamma = (0..<2).map { k in logSumExp((0..<2).map { j in gamma[j] + log(theta[j][k]) + log(phi[k][words[t] - 1]) }) }
            }
            let jacobian = (theta + phi).flatMap { $0 }.map(log).reduce(0, +)
            let want = logSumExp(gamma) + jacobian
            #expect(abs(model.logDensity(u) - want) < 1e-12 * abs(want), "\(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }
}
