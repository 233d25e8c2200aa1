import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// The README's censored-survival example end to end: `examples/mice_gamma_survival.stan` (a
/// censored time's log survival function, `gamma_lccdf`, through the incomplete gamma function)
/// against the same posterior written without it: the censored times as parameters bounded
/// below by the censoring times, each with the gamma density (BUGS's way), whose marginal over
/// them is the example's. Both sampled with NUTS, default settings, on OpenCL.
@Suite(.serialized)
struct CensoredSurvivalSamplingTests {
    static let augmented = """
    data {
      int<lower=0> N_uncensored;
      int<lower=0> N_censored;
      int<lower=1> M;
      array[N_uncensored] int<lower=1, upper=M> group_uncensored;
      array[N_censored] int<lower=1, upper=M> group_censored;
      vector<lower=0>[N_censored] censor_time;
      vector<lower=0>[N_uncensored] t_uncensored;
    }
    parameters {
      real<lower=0> shape;
      vector[M] beta;
      vector<lower=censor_time>[N_censored] t_censored;
    }
    model {
      shape ~ gamma(2, 0.5);
      beta ~ normal(3, 2);
      t_uncensored ~ gamma(shape, shape * exp(-beta[group_uncensored]));
      t_censored ~ gamma(shape, shape * exp(-beta[group_censored]));
    }
    """

    /// Each mean within 4 combined MCSE (or 0.1 sd) of the other run's, each sd within 10 %.
    @Test func theExampleIsTheCensoredTimesIntegratedOut() throws {
        let root = PosteriorDBRun.root
        let data = root.appendingPathComponent("data/mice.json").path
        let example = try PosteriorDBRun.sample(
            [root.appendingPathComponent("examples/mice_gamma_survival.stan").path, "--data", data,
             "--chains", "4", "--draws", "1000", "--seed", "5", "--backend", "opencl"], name: "mice")
        let program = FileManager.default.temporaryDirectory.appendingPathComponent("mice-augmented-\(getpid()).stan").path
        try Self.augmented.write(toFile: program, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: program) }
        let augmented = try PosteriorDBRun.sample([program, "--data", data, "--chains", "4", "--draws", "1000", "--seed", "6",
                                                   "--backend", "opencl"], name: "mice-augmented")
        let reference = ["shape", "beta[1]", "beta[2]", "beta[3]", "beta[4]"].map { name -> (String, Double, Double, Double) in
            let row = augmented.parameters.first { $0.name == name }!
            return (name, row.mean, row.mcseMean, row.sd)
        }
        try PosteriorDBRun.expectReproduces(example, reference)
    }
}
