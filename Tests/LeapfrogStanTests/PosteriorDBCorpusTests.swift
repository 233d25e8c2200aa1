import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// posteriordb's programs (data/posteriordb/stan, copied unchanged) with their inputs
/// (data/posteriordb): which compile and bind, and what the others are told. docs/stan.md
/// records the same list with the sampling results.
@Suite struct PosteriorDBCorpusTests {
    /// `compiles(at:)`: the unconstrained point (every coordinate) where the log density and its
    /// gradient must be finite.
    /// Compiles, with a finite log density and gradient at 0.1 in every coordinate, at the value
    /// given, or at the point given (a support no single value lies in: dogs_log's β₁ < 0 < β₂).
    enum Outcome: Sendable { case compiles, compilesAt(Double), compilesAtPoint([Double]), fails(String) }

    static let posteriors: [(model: String, data: String, outcome: Outcome)] = [
        ("arK", "arK", .compiles),
        ("arma11", "arma", .compiles),
        ("hmm_drive_0", "bball_drive_event_0", .compiles),
        ("hmm_drive_1", "bball_drive_event_1", .compiles),
        ("garch11", "garch", .compiles),
        ("hmm_example", "hmm_example", .compiles),
        ("diamonds", "diamonds", .compiles),
        // At u = 0.1 the length scales are ≈ 1.1, far above the prior's, the spectral densities
        // underflow to 0 and sqrt's derivative there is infinite (in Stan too): use u = -2.
        ("accel_gp", "mcycle_gp", .compilesAt(-2)),
        ("low_dim_gauss_mix", "low_dim_gauss_mix", .compiles),
        ("eight_schools_noncentered", "eight_schools", .compiles),
        // eigenvectors_sym and eigenvalues_sym of parameters; kron_mvprod(…, kron_mvprod(…)).
        ("kronecker_gp", "synthetic_grid_RBF_kernels", .compiles),
        ("gp_pois_regr", "gp_pois_regr", .compiles),
        ("gp_regr", "gp_pois_regr", .compiles),
        ("kilpisjarvi", "kilpisjarvi_mod", .compiles),
        ("blr", "sblri", .compiles),
        ("blr", "sblrc", .compiles),
        ("nes", "nes1972", .compiles),
        ("nes", "nes1976", .compiles),
        ("nes", "nes1980", .compiles),
        ("nes", "nes1984", .compiles),
        ("nes", "nes1988", .compiles),
        ("nes", "nes1992", .compiles),
        ("nes", "nes1996", .compiles),
        ("nes", "nes2000", .compiles),
        ("earn_height", "earnings", .compiles),
        ("log10earn_height", "earnings", .compiles),
        ("logearn_height", "earnings", .compiles),
        ("logearn_height_male", "earnings", .compiles),
        ("logearn_interaction", "earnings", .compiles),
        ("logearn_interaction_z", "earnings", .compiles),
        ("logearn_logheight_male", "earnings", .compiles),
        ("kidscore_interaction", "kidiq", .compiles),
        ("kidscore_momhs", "kidiq", .compiles),
        ("kidscore_momhsiq", "kidiq", .compiles),
        ("kidscore_momiq", "kidiq", .compiles),
        ("kidscore_interaction_c", "kidiq_with_mom_work", .compiles),
        ("kidscore_interaction_c2", "kidiq_with_mom_work", .compiles),
        ("kidscore_interaction_z", "kidiq_with_mom_work", .compiles),
        ("kidscore_mom_work", "kidiq_with_mom_work", .compiles),
        ("logmesquite", "mesquite", .compiles),
        ("logmesquite_logva", "mesquite", .compiles),
        ("logmesquite_logvas", "mesquite", .compiles),
        ("logmesquite_logvash", "mesquite", .compiles),
        ("logmesquite_logvolume", "mesquite", .compiles),
        ("mesquite", "mesquite", .compiles),
        // Design matrices built in transformed data with `[a', b']'` (no reference draws).
        ("wells_dist100_model", "wells_data", .compiles),
        ("wells_dist100ars_model", "wells_data", .compiles),
        ("wells_dae_model", "wells_data", .compiles),
        ("wells_dae_c_model", "wells_data", .compiles),
        ("wells_daae_c_model", "wells_data", .compiles),
        ("wells_dae_inter_model", "wells_data", .compiles),
        ("wells_interaction_model", "wells_data", .compiles),
        ("wells_interaction_c_model", "wells_data", .compiles),
        ("nes_logit_model", "nes_logit_data", .compiles),
        // A sum-to-zero vector by range assignment: beta[1 : I - 1] = beta_free; beta[I] = … .
        ("2pl_latent_reg_irt", "fims_Aus_Jpn_irt", .compiles),
        // Capture–recapture: an if on the loop index inside a vectorised loop (no reference draws).
        ("M0_model", "M0_data", .compiles),
        ("dogs_hierarchical", "dogs", .compiles),
        ("dogs_nonhierarchical", "dogs", .compiles),
        ("dogs", "dogs", .compiles),
        ("dogs_log", "dogs", .compilesAtPoint([-0.2, 0.1])),
        ("Mt_model", "Mt_data", .compiles),
        // A constant count beside a per-row argument (binomial_logit_lpmf(0 | T, eps[i])).
        ("Mh_model", "Mh_data", .compiles),
        // logit_p[:, 1] = …, then logit_p[i, j] for j in 2:T.
        ("Mtbh_model", "Mtbh_data", .compiles),
        // A whole data vector's density per row (binomial_lpmf(k | n, theta)) in an if on the loop index.
        ("Survey_model", "Survey_data", .compiles),
        // A matrix element by two per-row data indices, log_lambda[obsyear[i], obssite[i]].
        ("GLMM1_model", "GLMM_data", .compiles),
        // ?: on data (the growth curve chosen by growthmodel_id).
        ("losscurve_sislob", "loss_curves", .compiles),
        // A while loop in transformed data; a recurrence inside an if on data (RecurrenceTests).
        ("prophet", "rstan_downloads", .compiles),
        // A sliding window seasonal[t - 11 : t - 1] in a recurrence (SlicingTests).
        ("state_space_stochastic_level_stochastic_seasonal", "uk_drivers", .compiles),
        // Chained indices on the left, unA[t][j] = … (an input-output HMM's forward algorithm).
        ("iohmm_reg", "iohmm_reg_simulated", .compiles),
        // ODE systems (integrate_ode_rk45, ODETests): the predator–prey model (its loop over the
        // two species, y[:, k], unrolled; theta[{1, 3}]), an epidemic (col(to_matrix(y), 4)), and
        // the solve inside a user function. Where every rate is e^0.1 the epidemic's compartments
        // go negative and its log density is −∞ (SciPy's solve too): u = −2.
        ("lotka_volterra", "hudson_lynx_hare", .compiles),
        ("sir", "sir", .compilesAt(-2)),
        ("soil_incubation", "soil_carbon", .compiles),
        // An if on the solver's time inside the right-hand side (a select per evaluation).
        ("one_comp_mm_elim_abs", "one_comp_mm_elim_abs", .compiles),
    ]

    /// wells_dae_inter_model's design matrix `[c_dist100', …, ae_inter']'` (an array expression in
    /// transformed data) gives the log density of the same regression with the columns computed
    /// here and passed as data.
    @Test func aDesignMatrixFromRowVectorsIsTheWrittenOutRegression() throws {
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/wells_data.json"))
        let path = RepositoryData.path("posteriordb/stan/wells_dae_inter_model.stan")
        let model = try StanProgram.load(path: path)
        let (graph, prepared) = try model.instantiate(data: data)
        let stan = try ReferenceModel(graph: graph, data: prepared)
        func column(_ name: String) -> [Double] { data.variables[name]!.values }
        func centred(_ x: [Double], _ scale: Double) -> [Double] {
            let m = x.reduce(0, +) / Double(x.count)
            return x.map { ($0 - m) / scale }
        }
        let d = centred(column("dist"), 100), a = centred(column("arsenic"), 1), e = centred(column("educ"), 4)
        let columns = [d, a, e, zip(d, a).map(*), zip(d, e).map(*), zip(a, e).map(*)]
        let rows = (0..<d.count).map { n in columns.map { $0[n] } }
        var written = data
        written.variables["X"] = .matrix(rows: rows)
        let source = """
        data { int N; array[N] int switched; matrix[N, 6] X; }
        parameters { real alpha; vector[6] beta; }
        model { switched ~ bernoulli_logit(alpha + X * beta); }
        """
        expectEquivalent(stan, try stanReference(source, written), scale: 0.3)
    }

    /// posteriordb's dogs: a local `real p = a ^ prev_shock[j, t] * b ^ prev_avoid[j, t];` in the
    /// loop over trials nested in the loop over dogs, `J = n_dogs` from transformed data as the
    /// loop's extent, and p = a⁰b⁰ = 1 in every first trial (where a Bernoulli through its logit
    /// was NaN). Its log density against the likelihood written out here, and finite differences.
    @Test func dogsIsTheWrittenOutLikelihood() throws {
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/dogs.json"))
        let model = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/dogs_hierarchical.stan"))
        let (graph, prepared) = try model.instantiate(data: data)
        let stan = try ReferenceModel(graph: graph, data: prepared)
        let y = data.variables["y"]!
        let (dogs, trials) = (y.shape[0], y.shape[1])
        func logDensity(_ u: [Double]) -> Double {
            let (a, b) = (1 / (1 + exp(-u[0])), 1 / (1 + exp(-u[1])))
            var total = log(a * (1 - a)) + log(b * (1 - b))   // the (0, 1) bounds' log-Jacobians
            for j in 0..<dogs {
                var (shocks, avoids) = (0.0, 0.0)
                for t in 0..<trials {
                    let p = pow(a, shocks) * pow(b, avoids)
                    let avoided = y.values[j * trials + t]
                    total += avoided == 1 ? log(p) : log1p(-p)
                    shocks += avoided
                    avoids += 1 - avoided
                }
            }
            return total
        }
        for u in [[0.3, -0.2], [1.1, 0.4], [-0.5, 2]] {
            #expect(abs(stan.logDensity(u) - logDensity(u)) < 1e-9 * abs(logDensity(u)), "at \(u)")
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
    }

    @Test func everyPosteriorCompilesOrSaysWhy() throws {
        for p in Self.posteriors {
            let path = RepositoryData.path("posteriordb/stan/\(p.model).stan")
            let data = try StanJSON.load(path: RepositoryData.path("posteriordb/\(p.data).json"))
            switch p.outcome {
            case .compiles, .compilesAt, .compilesAtPoint:
                var at = 0.1, point: [Double]?
                if case .compilesAt(let x) = p.outcome { at = x }
                if case .compilesAtPoint(let u) = p.outcome { point = u }
                do {
                    let model = try StanProgram.load(path: path)
                    let (graph, prepared) = try model.instantiate(data: data)
                    let reference = try ReferenceModel(graph: graph, data: prepared)
                    let u = point ?? [Double](repeating: at, count: reference.dimension)
                    let (lp, g) = reference.logDensityAndGradient(u)
                    #expect(lp.isFinite && g.allSatisfy(\.isFinite), "\(p.model) with \(p.data): log density \(lp)")
                    // The HMMs' Viterbi decoding runs on the host (HostGeneratedQuantities).
                    if let host = try model.hostQuantities(data: data) {
                        let bound = try BoundModel(graph: graph, data: prepared)
                        let row = reference.recordedValues(ChainBatch(chains: 1, dimension: u.count, values: u)).vector(chain: 0)
                        let generated = try host.values(recorded: row, layout: bound.recordedLayout, key: DrawKey(seed: 1, chain: 0, draw: 0))
                        if !generated.allSatisfy(\.isFinite) { Issue.record("\(p.model): generated quantities \(generated)") }
                    }
                } catch {
                    Issue.record("\(p.model) with \(p.data) does not compile: \(error)")
                }
            case .fails(let message):
                let got = errorMessage { _ = try StanProgram.load(path: path) }
                #expect(got.contains(message), "\(p.model): \(got)")
            }
        }
    }
}
