import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's ODE solvers (`Lowering+ODE`, the graph's `ode`/`ode_solve`, `ReferenceModel+ODE`):
/// solutions against closed forms and against an independent fixed-step solver written here,
/// gradients (forward sensitivities) against finite differences, both interfaces, and the
/// messages for what is refused.
@Suite struct ODETests {
    /// Exponential decay through the variadic interface: log y(t) = log y0 − k t exactly.
    static let decay = """
        functions {
          vector decay(real t, vector y, real k) { return -k * y; }
        }
        data { int N; array[N] real ts; vector[N] logy; }
        parameters { real<lower=0> k; real<lower=0> y0; }
        transformed parameters {
          array[N] vector[1] y = ode_rk45_tol(decay, rep_vector(y0, 1), 0, ts, 1e-10, 1e-10, 100000, k);
        }
        model {
          k ~ normal(1, 1);
          y0 ~ lognormal(0, 1);
          for (n in 1:N) logy[n] ~ normal(log(y[n, 1]), 0.1);
        }
        """
    static let decayData = DataSet(["N": .integer(5), "ts": .vector([0.5, 1, 2, 3, 5]),
                                    "logy": .vector([-0.3, -0.55, -1.1, -1.45, -2.6])], source: "decay.json")

    /// The decay model's log density written out (constants kept, the log-Jacobians of k and y0).
    static func decayLogDensity(_ u: [Double]) -> Double {
        let (k, y0) = (exp(u[0]), exp(u[1]))
        func normal(_ x: Double, _ m: Double, _ s: Double) -> Double { -0.5 * pow((x - m) / s, 2) - log(s) - 0.5 * log(2 * Double.pi) }
        var lp = normal(k, 1, 1) + normal(log(y0), 0, 1) - log(y0) + u[0] + u[1]
        for (t, z) in zip(decayData.variables["ts"]!.values, decayData.variables["logy"]!.values) { lp += normal(z, log(y0) - k * t, 0.1) }
        return lp
    }

    @Test func decayIsItsClosedForm() throws {
        let model = try stanReference(Self.decay, Self.decayData)
        // Points where y stays well above atol (where it falls to atol, its relative error grows
        // and log y's with it, as in Stan).
        for u in [[-0.7, -0.2], [0.4, 0.3], [0.2, -0.5]] {
            let lp = model.logDensity(u)
            #expect(abs(lp - Self.decayLogDensity(u)) < 1e-7 * max(1, abs(lp)), "at \(u): \(lp) vs \(Self.decayLogDensity(u))")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance, "at \(u)")
        }
        // The solution is a transformed parameter: recorded per draw.
        let names = model.model.derivedElementNames
        #expect(names.first == "y[1,1]" && names.count == 5)
        let y = model.derivedValues([log(0.5), log(0.8)])
        for (t, v) in zip(Self.decayData.variables["ts"]!.values, y) { #expect(abs(v - 0.8 * exp(-0.5 * t)) < 1e-8) }
    }

    /// The Lotka–Volterra predator–prey system through the old interface (theta, x_r, x_i, and
    /// tolerances after them), against a fourth-order Runge–Kutta solve with 20,000 fixed steps
    /// per unit of time written here; gradients against finite differences.
    static let lotkaVolterra = """
        functions {
          array[] real dz_dt(real t, array[] real z, array[] real theta, array[] real x_r, array[] int x_i) {
            real u = z[1];
            real v = z[2];
            return {(theta[1] - theta[2] * v) * u, (-theta[3] + theta[4] * u) * v};
          }
        }
        data { int N; array[N] real ts; array[N, 2] real y; }
        parameters { array[4] real<lower=0> theta; array[2] real<lower=0> z_init; }
        transformed parameters {
          array[N, 2] real z = integrate_ode_rk45(dz_dt, z_init, 0, ts, theta, rep_array(0.0, 0), rep_array(0, 0), 1e-10, 1e-10, 1e6);
        }
        model {
          theta ~ normal(0.5, 0.5);
          z_init ~ lognormal(log(10), 1);
          for (k in 1:2) y[:, k] ~ lognormal(log(z[:, k]), 0.25);
        }
        """

    static func rk4(_ theta: [Double], _ z0: [Double], _ times: [Double]) -> [[Double]] {
        func f(_ z: [Double]) -> [Double] { [(theta[0] - theta[1] * z[1]) * z[0], (-theta[2] + theta[3] * z[0]) * z[1]] }
        var (z, t, out) = (z0, 0.0, [[Double]]())
        for target in times {
            let steps = Int((target - t) * 20_000)
            let h = (target - t) / Double(steps)
            for _ in 0..<steps {
                let k1 = f(z)
                let k2 = f(zip(z, k1).map { $0 + h / 2 * $1 })
                let k3 = f(zip(z, k2).map { $0 + h / 2 * $1 })
                let k4 = f(zip(z, k3).map { $0 + h * $1 })
                z = (0..<2).map { z[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
            }
            t = target
            out.append(z)
        }
        return out
    }

    @Test func lotkaVolterraIsAnIndependentSolve() throws {
        let times = [1.0, 2, 3, 4, 5, 6]
        let theta = [0.55, 0.028, 0.8, 0.024], z0 = [33.9, 5.9]
        let expected = Self.rk4(theta, z0, times)
        let observed = expected.map { $0.map { $0 * 1.1 } }
        let data = DataSet(["N": .integer(times.count), "ts": .vector(times), "y": .matrix(rows: observed)], source: "lv.json")
        let model = try stanReference(Self.lotkaVolterra, data)
        let u = (theta + z0).map { log($0) }
        let z = model.derivedValues(u)
        for (n, row) in expected.enumerated() {
            for k in 0..<2 {
                #expect(abs(z[n * 2 + k] - row[k]) < 1e-7 * row[k], "z[\(n + 1), \(k + 1)] = \(z[n * 2 + k]) vs \(row[k])")
            }
        }
        for point in [u, u.map { $0 + 0.05 }] {
            #expect(GradientCheck.worstRelativeError(model, at: point) < GradientCheck.tolerance)
        }
    }

    /// `integrate_ode`, the oldest name of `integrate_ode_rk45` (example-models' soil-carbon
    /// programs), called inside a user function that passes its right-hand side on: the same
    /// solve as `integrate_ode_rk45`, without tolerances (the defaults, 10⁻⁶).
    @Test func theOldestNameIsTheRungeKuttaSolver() throws {
        let data = DataSet(["N": .integer(3), "ts": .vector([1, 2, 3]), "y": .matrix(rows: [[30, 6], [25, 8], [20, 9]])], source: "lv.json")
        let newer = Self.lotkaVolterra.replacingOccurrences(of: ", 1e-10, 1e-10, 1e6)", with: ")")
        let oldest = newer
            .replacingOccurrences(of: "integrate_ode_rk45(dz_dt, z_init, 0, ts, theta, rep_array(0.0, 0), rep_array(0, 0))",
                                  with: "solve(0, z_init, ts, theta)")
            .replacingOccurrences(of: "  }\n}\ndata {", with: """
                  }
                  array[,] real solve(real t0, array[] real z0, array[] real ts, array[] real theta) {
                    return integrate_ode(dz_dt, z0, t0, ts, theta, rep_array(0.0, 0), rep_array(0, 0));
                  }
                }
                data {
                """)
        #expect(oldest.contains("integrate_ode(dz_dt") && !oldest.contains("integrate_ode_rk45"))
        let (a, b) = (try stanReference(newer, data), try stanReference(oldest, data))
        let u = [0.55, 0.028, 0.8, 0.024, 33.9, 5.9].map { log($0) }
        #expect(a.derivedValues(u) == b.derivedValues(u))
        #expect(a.logDensity(u) == b.logDensity(u))
    }

    /// A parameter read inside the right-hand side directly (not through an argument), a state
    /// of several components from a parameter vector, and the time as a value: sensitivities to
    /// each against finite differences.
    @Test func sensitivitiesToEveryInputMatchFiniteDifferences() throws {
        let source = """
            functions {
              vector rhs(real t, vector y, vector a, real b) {
                return [a[1] * y[2] - b * y[1], -a[2] * y[1] * cos(t)]';
              }
            }
            data { array[3] real ts; }
            parameters { vector[2] a; real<lower=0> b; vector[2] y0; }
            transformed parameters { array[3] vector[2] y = ode_rk45(rhs, y0, 0.5, ts, a, b); }
            model { a ~ normal(0, 1); b ~ gamma(2, 2); y0 ~ normal(0, 1); for (n in 1:3) target += -0.5 * dot_self(y[n] - 1); }
            """
        let model = try stanReference(source, DataSet(["ts": .vector([0.8, 1.5, 2.5])], source: "d.json"))
        var rng = TestRandom(seed: 3)
        for _ in 0..<3 {
            let u = rng.vector(model.dimension, -1, 1)
            #expect(model.logDensity(u).isFinite)
            // rk45's default tolerances (1e-6): finite differences of the solve agree to about that.
            #expect(GradientCheck.worstRelativeError(model, at: u) < 1e-4, "at \(u)")
        }
    }

    /// The BDF forms run the stiff method (`RosenbrockW`): the decay model's closed form again,
    /// and a stiff system, y′ = −λ(y − cos t) − sin t with λ ~ 10⁶, whose solve switches to the
    /// implicit method and takes a few thousand steps where the explicit one (`ode_rk45`) would
    /// need millions and runs out of its 20,000: the point is rejected there, finite here;
    /// gradients against finite differences.
    @Test func bdfSolvesStiffSystems() throws {
        let bdf = try stanReference(Self.decay.replacingOccurrences(of: "ode_rk45_tol", with: "ode_bdf_tol"), Self.decayData)
        #expect(bdf.model.graph.nodes.contains { $0.op == .odeSolve && $0.value == 1 })
        for u in [[-0.7, -0.2], [0.4, 0.3]] {
            let lp = bdf.logDensity(u)
            #expect(abs(lp - Self.decayLogDensity(u)) < 1e-7 * max(1, abs(lp)), "at \(u): \(lp) vs \(Self.decayLogDensity(u))")
            #expect(GradientCheck.worstRelativeError(bdf, at: u) < GradientCheck.tolerance, "at \(u)")
        }
        let stiff = """
            functions {
              vector relax(real t, vector y, real lambda) { return -lambda * (y - cos(t)) - sin(t); }
            }
            data { array[3] real ts; }
            parameters { real<lower=0> lambda; real y0; }
            transformed parameters {
              array[3] vector[1] y = ode_bdf_tol(relax, rep_vector(y0, 1), 0, ts, 1e-8, 1e-8, 20000, lambda);
            }
            model { lambda ~ lognormal(log(1e6), 0.1); y0 ~ normal(2, 1); for (n in 1:3) target += normal_lpdf(0.9 | y[n, 1], 0.5); }
            """
        let data = DataSet(["ts": .vector([0.5, 2, 10])], source: "d.json")
        let model = try stanReference(stiff, data)
        let u = [log(1.2e6), 1.5]
        #expect(model.logDensity(u).isFinite)
        // y = cos t + (y0 − 1)e^(−λt): the transient has died by the first output time.
        for (t, y) in zip([0.5, 2, 10], model.derivedValues(u)) { #expect(abs(y - cos(t)) < 1e-6, "y(\(t)) = \(y)") }
        // ∂y/∂λ is ~0 here, held to the solver's atol (1e-8), and ∂/∂log λ multiplies it by λ ~ 10⁶.
        #expect(GradientCheck.worstRelativeError(model, at: u) < 1e-3)
        let explicit = try stanReference(stiff.replacingOccurrences(of: "ode_bdf_tol", with: "ode_rk45_tol"), data)
        #expect(explicit.logDensity(u) == -.infinity)
    }

    /// More steps than max_num_steps: the log density is −∞ there (Stan rejects the proposal), not
    /// a partial solution.
    @Test func tooManyStepsRejectsThePoint() throws {
        let source = Self.decay.replacingOccurrences(of: "100000", with: "3")
        let model = try stanReference(source, Self.decayData)
        #expect(model.logDensity([0.4, 0.3]) == -.infinity)
    }

    /// The times must increase strictly after t0, checked when the data are read, naming them.
    @Test func outputTimesMustIncrease() throws {
        var data = Self.decayData
        data.variables["ts"] = .vector([0.5, 1, 1, 3, 5])
        let message = errorMessage { _ = try stanReference(Self.decay, data) }
        #expect(message.contains("the output times 'ts' must increase strictly") && message.contains("element 3 is 1.0"), "\(message)")
        data.variables["ts"] = .vector([-1, 1, 2, 3, 5])
        #expect(errorMessage { _ = try stanReference(Self.decay, data) }.contains("element 1 is -1.0"))
    }

    @Test(arguments: [
        // Times that depend on parameters.
        ("ode_rk45(decay, rep_vector(y0, 1), 0, {k, 2 * k, 3 * k, 4 * k, 5 * k}, k)", "the output times ts of ode_rk45 must be"),
        // Not a function.
        ("ode_rk45(k, rep_vector(y0, 1), 0, ts, k)", "the first argument of ode_rk45 must be the name of a function"),
        // The wrong number of arguments for the function.
        ("ode_rk45(decay, rep_vector(y0, 1), 0, ts)", "the function 'decay' takes 3 arguments, but ode_rk45 calls it with 2"),
        // The old interface needs theta, x_r, x_i.
        ("integrate_ode_rk45(decay, {y0}, 0, ts, {k})", "integrate_ode_rk45 takes (f, y0, t0, ts, theta, x_r, x_i)"),
    ])
    func refusalsNameTheArgument(call: String, message: String) {
        let source = Self.decay.replacingOccurrences(of: "ode_rk45_tol(decay, rep_vector(y0, 1), 0, ts, 1e-10, 1e-10, 100000, k)", with: call)
        let got = compileError(source)
        #expect(got.contains(message), "\(got)")
    }

    /// A loop over the state in the right-hand side (vectorised) solves; one whose steps depend
    /// on each other, or a solve inside a solve, is named at its line.
    @Test func loopsInTheRightHandSide() throws {
        let source = """
            functions {
              vector rhs(real t, vector y, vector a) {
                vector[3] d;
                for (k in 1:3) d[k] = -a[k] * y[k];
                return d;
              }
            }
            data { array[2] real ts; }
            parameters { vector<lower=0>[3] a; }
            transformed parameters { array[2] vector[3] y = ode_rk45_tol(rhs, [1, 2, 3]', 0, ts, 1e-10, 1e-10, 100000, a); }
            model { a ~ exponential(1); }
            """
        let model = try stanReference(source, DataSet(["ts": .vector([0.5, 2])], source: "d.json"))
        let rates = [0.3, 1.1, 0.6]
        let y = model.derivedValues(rates.map { log($0) })
        for (n, t) in [0.5, 2].enumerated() {
            for k in 0..<3 { #expect(abs(y[n * 3 + k] - Double(k + 1) * exp(-rates[k] * t)) < 1e-8) }
        }
        // Over constants it is unrolled and solves; over a range the data give, it would be a
        // recurrence inside the system.
        let unrolled = source.replacingOccurrences(of: "for (k in 1:3) d[k] = -a[k] * y[k];",
                                                   with: "d[1] = -a[1] * y[1]; for (k in 2:3) d[k] = d[k - 1] - a[k] * y[k];")
        #expect(compileError(unrolled) == "")
        let recurrence = unrolled.replacingOccurrences(of: "for (k in 2:3)", with: "for (k in 2:K)")
            .replacingOccurrences(of: "vector a)", with: "vector a, int K)").replacingOccurrences(of: "100000, a)", with: "100000, a, K)")
            .replacingOccurrences(of: "data {", with: "data { int K;")
        #expect(compileError(recurrence).contains("inside the right-hand side of ode_rk45_tol is not supported"), "\(compileError(recurrence))")
        let nested = source.replacingOccurrences(of: "return d;", with: "return d + ode_rk45(rhs, y, 0, {1.0}, a)[1];")
        #expect(compileError(nested).contains("ode_rk45 inside the right-hand side of ode_rk45_tol is not supported"), "\(compileError(nested))")
    }

    /// An `if` on the solver's time inside the right-hand side (posteriordb's one-compartment
    /// model): y′ = a after t = 1, 0 before, so y(t) = a·max(0, t − 1); the derivative in a goes
    /// through the branch taken. Other conditions and branches that add terms are named.
    @Test func anIfOnTheTimeChoosesPerEvaluation() throws {
        let source = """
            functions {
              vector rhs(real t, vector y, real a) {
                real r = 0;
                if (t > 1) r = a;
                return [r]';
              }
            }
            data { array[3] real ts; }
            parameters { real a; }
            transformed parameters { array[3] vector[1] y = ode_rk45_tol(rhs, [0]', 0, ts, 1e-10, 1e-10, 100000, a); }
            model { a ~ normal(0, 1); target += -0.5 * square(y[3, 1] - 1); }
            """
        let model = try stanReference(source, DataSet(["ts": .vector([0.5, 2, 3.5])], source: "d.json"))
        let y = model.derivedValues([1.3])
        for (v, t) in zip(y, [0.5, 2, 3.5]) { #expect(abs(v - 1.3 * max(0, t - 1)) < 1e-7, "y(\(t)) = \(v)") }
        #expect(GradientCheck.worstRelativeError(model, at: [0.7]) < GradientCheck.tolerance)
        let equality = source.replacingOccurrences(of: "if (t > 1)", with: "if (t == 1)")
        #expect(compileError(equality).contains("== between real values computed per evaluation is not supported"), "\(compileError(equality))")
        let reject = source.replacingOccurrences(of: "if (t > 1) r = a;", with: "if (t > 1) r = a; else reject(\"early\");")
        #expect(compileError(reject).contains("the function 'rhs' is the right-hand side of ode_rk45_tol: it cannot add to the log density nor reject"), "\(compileError(reject))")
    }

    /// A function used as a value anywhere but as an ODE solver's first argument.
    @Test func aFunctionAsAValueIsNamed() {
        let got = compileError(Self.decay.replacingOccurrences(of: "k ~ normal(1, 1);", with: "k ~ normal(decay, 1);"))
        #expect(got.contains("the function 'decay' is used as a value"), "\(got)")
    }

    /// On the host (generated quantities with an `_rng` call, transformed data): the same methods,
    /// values only, the function interpreted (the stiff one with a finite-difference Jacobian);
    /// the closed form e^(−kt) again.
    @Test func hostSolvesAreTheClosedForm() throws {
        let functions = "functions { vector decay(real t, vector y, real k) { return -k * y; } }\n"
        let generated = try StanProgram.compile(source: functions + """
            data { int N; array[N] real ts; }
            parameters { real<lower=0> k; }
            model { k ~ normal(1, 1); }
            generated quantities {
              real r = normal_rng(0, 1);
              array[N] vector[1] y = ode_rk45_tol(decay, rep_vector(2.0, 1), 0, ts, 1e-10, 1e-10, 100000, k);
            }
            """, path: "gq.stan")
        #expect(generated.generatedQuantitiesOnHost)
        let data = DataSet(["N": .integer(3), "ts": .vector([0.5, 1, 4])], source: "d.json")
        let values = try HostGeneratedQuantitiesTests.generated(generated, data, ["k": [0.7]])
        let y = try #require(values["y"])
        for (t, v) in zip([0.5, 1, 4], y) { #expect(abs(v - 2 * exp(-0.7 * t)) < 1e-8, "y(\(t)) = \(v)") }

        let tdSource = """
            functions {
              array[] real legacy(real t, array[] real y, array[] real theta, array[] real x_r, array[] int x_i) { return {-theta[1] * y[1]}; }
            }
            data { int N; array[N] real ts; }
            transformed data {
              array[N, 1] real y = integrate_ode_rk45(legacy, {1.0}, 0, ts, {0.5}, rep_array(0.0, 0), rep_array(0, 0), 1e-10, 1e-10, 1e5);
            }
            parameters { real m; }
            model { m ~ normal(y[3, 1], 1); }
            """
        for solver in ["integrate_ode_rk45", "integrate_ode_bdf"] {
            let transformed = try StanProgram.compile(source: tdSource.replacingOccurrences(of: "integrate_ode_rk45", with: solver), path: "td.stan")
            let prepared = try transformed.instantiate(data: data).data
            let z = try #require(prepared.variables["y"]?.values)
            for (t, v) in zip([0.5, 1, 4], z) { #expect(abs(v - exp(-0.5 * t)) < 1e-8, "\(solver): y(\(t)) = \(v)") }
        }
        // Too few steps: the run stops with the solver's message, as Stan's does.
        let tight = tdSource.replacingOccurrences(of: "1e5", with: "2")
        let message = errorMessage { _ = try StanProgram.compile(source: tight, path: "td.stan").instantiate(data: data) }
        #expect(message.contains("integrate_ode_rk45: the solve needs more than max_num_steps = 2 steps"), "\(message)")
    }

    /// The evaluation plan every back end shares takes the solve (it refused it before the
    /// OpenCL kernel could solve per lane, `Generator+ODE`): computed once, not per row.
    @Test func thePlanTakesTheSolve() throws {
        let model = try StanProgram.compile(source: Self.decay, path: "decay.stan")
        let (graph, prepared) = try model.instantiate(data: Self.decayData)
        let plan = try EvaluationPlan(try BoundModel(graph: graph, data: prepared))
        let solve = try #require(graph.nodes.firstIndex { $0.op == .odeSolve })
        #expect(plan.needed[solve] && plan.active[solve] && !plan.rowDependent[solve])
    }
}
