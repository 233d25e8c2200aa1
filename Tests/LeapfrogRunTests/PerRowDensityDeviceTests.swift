import Leapfrog
import LeapfrogOpenCL
import Testing
@testable import LeapfrogRun

/// Per-row log densities (`ll[n] = normal_lpdf(y[n] | …)`, loo's `log_lik`), discrete
/// outcomes and trials computed from data (`k[1] ~ binomial(3, …)`) and the families written as
/// formulas (`neg_binomial_2`, `weibull`, `logistic`), log CDFs (`log_Phi`'s tail too), `Phi` and
/// truncation on an OpenCL device in f64:
/// the CPU reference's log density, gradient and recorded values to rounding.
@Suite(.enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
struct PerRowDensityDeviceTests {
    static let source = """
        data { int<lower=1> N; vector[N] y; vector[N] x; array[N] int<lower=0, upper=3> k; array[N] int<lower=0> c; }
        parameters { real mu; real<lower=0> sigma; real<lower=0> nu; }
        transformed parameters {
          vector[N] lt;
          for (n in 1:N) lt[n] = student_t_lpdf(y[n] | nu + 1, mu, sigma) + poisson_log_lpmf(c[n] | mu * x[n]);
        }
        model {
          mu ~ normal(0, 1); sigma ~ lognormal(0, 1); nu ~ gamma(2, 1);
          target += sum(lt);
          k[1] ~ binomial(3, inv_logit(mu));
          k ~ binomial(3, inv_logit(mu));
          c ~ neg_binomial_2(exp(mu), nu + 1);
          target += weibull_lpdf(sigma | nu + 1, 2) + logistic_lpdf(mu | 0, sigma);
          y ~ normal(mu, sigma) T[-10, 10];
          target += normal_lcdf(y[1] - 40 | mu, sigma) + log(Phi(mu)) + exponential_lccdf(sigma | nu);
        }
        generated quantities {
          vector[N] ll;
          for (n in 1:N) ll[n] = normal_lpdf(y[n] | mu, sigma) + binomial_lpmf(k[n] | 3, inv_logit(mu))
                                 + gamma_lpdf(sigma | nu, 1 + x[n] * x[n]) + neg_binomial_2_log_lpmf(c[n] | mu * x[n], nu)
                                 + logistic_lccdf(y[n] | mu, sigma);
        }
        """

    @Test func theDeviceComputesTheReferencesValues() throws {
        let data = DataSet([
            "N": .integer(5), "y": .vector([2.1, 3.4, 1.9, 2.8, -3.0]), "x": .vector([-1.2, -0.3, 0.4, 0.9, 1.7]),
            "k": .integers([0, 3, 1, 2, 3]), "c": .integers([2, 0, 1, 6, 4]),
        ], source: "test")
        let model = try StanProgram.compile(source: Self.source, path: "rows.stan")
        #expect(!model.generatedQuantitiesOnHost)
        let (graph, prepared) = try model.instantiate(data: data)
        let bound = try BoundModel(graph: graph, data: prepared)
        let cpu = try BackendRegistry.standard.make(bound, options: BackendOptions(name: "cpu"), log: { _ in })
        var options = BackendOptions(name: "opencl")
        options.precision = .f64
        let device = try BackendRegistry.standard.make(bound, options: options, log: { _ in })
        let positions = ChainBatch(chains: 3, dimension: 3, values: [0.5, -0.3, 0.2, -1.1, 0.4, 1.0, 0.05, 0.9, -0.7])
        let (a, b) = (try cpu.density.evaluate(positions, active: nil), try device.density.evaluate(positions, active: nil))
        for c in 0..<3 {
            #expect(abs(a.logDensity[c] - b.logDensity[c]) <= 1e-10 * max(1, abs(a.logDensity[c])))
            for i in 0..<3 { #expect(abs(a.gradient[c, i] - b.gradient[c, i]) <= 1e-10 * max(1, abs(a.gradient[c, i]))) }
        }
        let (ra, rb) = (try DrawRecorder(cpu, bound: bound, seed: 1).values(positions, draw: 0),
                        try DrawRecorder(device, bound: bound, seed: 1).values(positions, draw: 0))
        #expect(ra.dimension == 3 + 5 + 5 && rb.dimension == ra.dimension)
        for c in 0..<3 {
            let (x, y) = (ra.vector(chain: c), rb.vector(chain: c))
            for i in x.indices { #expect(abs(x[i] - y[i]) <= 1e-10 * max(1, abs(x[i])), "chain \(c), value \(i): \(x[i]) vs \(y[i])") }
            // Per-row values differ from row to row (not the loop's total in every element).
            #expect(Set(x[8..<13]).count == 5)
        }
    }
}
