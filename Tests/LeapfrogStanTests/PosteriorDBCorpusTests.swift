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
    enum Outcome: Sendable { case compiles, fails(String) }

    static let recurrence = "assigning to part of"
    static let posteriors: [(model: String, data: String, outcome: Outcome)] = [
        ("arK", "arK", .fails("cannot vectorise this loop: it must run over 1:N")),
        ("arma11", "arma", .fails(recurrence)),
        ("hmm_drive_0", "bball_drive_event_0", .fails(recurrence)),
        ("hmm_drive_1", "bball_drive_event_1", .fails(recurrence)),
        ("garch11", "garch", .fails(recurrence)),
        ("hmm_example", "hmm_example", .fails(recurrence)),
        ("diamonds", "diamonds", .compiles),
        ("low_dim_gauss_mix", "low_dim_gauss_mix", .compiles),
        ("eight_schools_noncentered", "eight_schools", .compiles),
        ("gp_pois_regr", "gp_pois_regr", .compiles),
        ("gp_regr", "gp_pois_regr", .compiles),
        ("kilpisjarvi", "kilpisjarvi_mod", .compiles),
        ("blr", "sblri", .compiles),
        ("blr", "sblrc", .compiles),
        ("nes", "nes1972", .compiles),
        ("nes", "nes1980", .compiles),
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
    ]

    @Test func everyPosteriorCompilesOrSaysWhy() throws {
        for p in Self.posteriors {
            let path = RepositoryData.path("posteriordb/stan/\(p.model).stan")
            let data = try StanJSON.load(path: RepositoryData.path("posteriordb/\(p.data).json"))
            switch p.outcome {
            case .compiles:
                do {
                    let model = try StanProgram.load(path: path)
                    let (graph, prepared) = try model.instantiate(data: data)
                    let reference = try ReferenceModel(graph: graph, data: prepared)
                    let u = [Double](repeating: 0.1, count: reference.dimension)
                    let (lp, g) = reference.logDensityAndGradient(u)
                    #expect(lp.isFinite && g.allSatisfy(\.isFinite), "\(p.model) with \(p.data): log density \(lp)")
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
