import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `leapfrog variational` (and its alias `vi`) end to end, in-process.
@Suite(.serialized)
struct VariationalCommandTests {
    static func run(_ args: [String]) throws -> VariationalRun.Outcome {
        let command = try LeapfrogCommand.parseAsRoot(args + ["--quiet"])
        return try (command as! VariationalCommand).execute()
    }

    @Test func fullRankOnEightSchoolsWritesItsFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-vi-cmd-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Self.run(["variational", "eight-schools", "--algorithm", "fullrank", "--iterations", "300",
                                "--draws", "100", "--restarts", "2", "--grad-samples", "4", "--backend", "cpu",
                                "--output", dir, "--csv", "--stl", "--seed", "4"])
        #expect(out.fit.family.kind == .fullRank && out.fit.families.count == 2 && out.draws == 100)
        #expect(out.fit.gradientEvaluations == out.fit.iterations * 8)
        let names = out.summaries.map(\.name)
        #expect(names.first == "lp__" && names.contains("tau") && names.contains("theta[8]"))
        let tau = try #require(out.summaries.first { $0.name == "tau" })
        #expect(tau.q5 > 0, "tau is on the constrained scale")
        let trace = try CSVTable.load(path: dir + "/elbo.csv")
        #expect(trace.columnNames == ["iteration", "elbo", "elbo_mean", "grad_norm", "learning_rate", "seconds", "elbo_1", "elbo_2"])
        let family = try VariationalFile.read(path: dir + "/variational.json")
        #expect(family.covariance?.count == 10 && family.scale == nil && family.restartELBOs.count == 2)
        for f in ["summary.json", "chain-1.csv"] { #expect(FileManager.default.fileExists(atPath: dir + "/" + f), "\(f)") }
        // `leapfrog report` reads the run, ELBO trace included.
        var report = try LeapfrogCommand.parseAsRoot(["report", dir])
        try report.run()
        let html = try String(contentsOfFile: dir + "/report/report.html", encoding: .utf8)
        #expect(html.contains("ELBO"))
    }

    /// `--family lowrank --rank 2`: the fit's family has rank 2; variational.json holds D, B and Σ = D² + BBᵀ;
    /// a snapshot run's report plays the predictive movie.
    @Test func lowRankWritesItsFactorAndTheReportPlaysTheMovie() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-vi-lowrank-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Self.run(["vi", "bnn", "--family", "lowrank", "--rank", "2", "--iterations", "200", "--draws", "50",
                                "--backend", "cpu", "--output", dir, "--snapshot-every", "50"])
        #expect(out.fit.family.kind == .lowRank && out.fit.family.rank == 2)
        let family = try VariationalFile.read(path: dir + "/variational.json")
        let d = family.dimension
        let b = try #require(family.factor), dd = try #require(family.diagonal)
        #expect(family.family == "lowrank" && family.rank == 2 && b.count == d && b.allSatisfy { $0.count == 2 } && dd.count == d)
        // Σ = D² + BBᵀ is given by its pieces, not written out (d² numbers are what the rank avoids).
        #expect(family.covariance == nil)
        let fitted = out.fit.family.covariance
        for (i, j) in [(0, 0), (3, 7), (d - 1, 0)] {
            let expected = (i == j ? dd[i] * dd[i] : 0) + b[i][0] * b[j][0] + b[i][1] * b[j][1]
            #expect(abs(fitted[i * d + j] - expected) <= 1e-12 * max(1, abs(expected)))
        }
        var report = try LeapfrogCommand.parseAsRoot(["report", dir])
        try report.run()
        let movie = try String(contentsOfFile: dir + "/report/movie-mu_grid.svg", encoding: .utf8)
        #expect(movie.components(separatedBy: "<g class=\"frame\"").count - 1 == 4)
        // Its traces are of independent draws from the family, not of a chain after warmup.
        let traces = try FileManager.default.contentsOfDirectory(atPath: dir + "/report").filter { $0.hasPrefix("trace-") }
        let trace = try String(contentsOfFile: dir + "/report/" + (try #require(traces.first)), encoding: .utf8)
        #expect(trace.contains("draw from the fitted approximation") && !trace.contains("after warmup"))
    }

    /// `--init mode --init-iterations 30`: variational.json records the search (its iterations
    /// at most 30 per restart, its evaluations inside the fit's), summary.json the setting.
    @Test func modeStartIsRecorded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-vi-mode-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Self.run(["vi", "eight-schools", "--init", "mode", "--init-iterations", "30", "--iterations", "200",
                                "--draws", "50", "--restarts", "2", "--grad-samples", "4", "--backend", "cpu", "--output", dir])
        let search = try #require(out.fit.modeSearch)
        let family = try VariationalFile.read(path: dir + "/variational.json")
        let record = try #require(family.modeSearch)
        #expect(record.iterations == search.iterations && record.iterations.count == 2 && record.iterations.allSatisfy { $0 <= 30 })
        #expect(record.gradientEvaluations == search.gradientEvaluations
                && family.gradientEvaluations == search.gradientEvaluations + out.fit.iterations * 8)
        let summary = try String(contentsOfFile: dir + "/summary.json", encoding: .utf8)
        #expect(summary.contains("\"init\" : \"mode\"") && summary.contains("\"init_iterations\" : \"30\""))
    }

    @Test func viIsAnAliasAndDefaultsAreStans() throws {
        let command = try #require(try LeapfrogCommand.parseAsRoot(["vi", "bnn"]) as? VariationalCommand)
        let c = command.adviConfiguration()
        #expect(c.family == .meanField && c.maxIterations == 10_000 && c.toleranceRelativeObjective == 0.01
                && c.evaluationInterval == 100 && command.draws == 1000)
    }

    /// A parameter with no prior (an improper posterior) fitted "converged" with an ELBO of 37 and
    /// draws at ±7e15: now the run says the family's width points to an improper posterior. A
    /// mode search stopped at its limit with the log density still rising says so (the funnel).
    @Test func anImproperPosteriorAndACappedModeSearchAreWarned() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-vi-warn-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "parameters { real a; real<lower=0> s; }\nmodel { s ~ exponential(1); }\n"
            .write(toFile: dir + "/flat.stan", atomically: true, encoding: .utf8)
        let flat = try Self.run(["variational", dir + "/flat.stan", "--backend", "cpu", "--seed", "2"])
        #expect(flat.warnings.contains { $0.contains("sd in 'a' is") && $0.contains("improper") }, "\(flat.warnings)")
        #expect(!flat.warnings.contains { $0.contains("'log(s)'") })
        try "parameters { real v; vector[9] x; }\nmodel { v ~ normal(0, 3); x ~ normal(0, exp(v / 2)); }\n"
            .write(toFile: dir + "/funnel.stan", atomically: true, encoding: .utf8)
        let funnel = try Self.run(["variational", dir + "/funnel.stan", "--backend", "cpu", "--init", "mode",
                                   "--init-iterations", "20", "--iterations", "200", "--seed", "2"])
        #expect(funnel.warnings.contains { $0.contains("reached its limit of 20 iterations") }, "\(funnel.warnings)")
        // A proper posterior fitted well is not warned as improper.
        let schools = try Self.run(["variational", "eight-schools", "--backend", "cpu", "--iterations", "300", "--seed", "2"])
        #expect(!schools.warnings.contains { $0.contains("improper") || $0.contains("mode search") })
    }

    @Test func badOptionsAreRefusedWithTheirName() {
        for (args, needle) in [(["--learning-rate", "0"], "--learning-rate"), (["--grad-samples", "0"], "--grad-samples"),
                               (["--csv"], "--output"), (["--algorithm", "banded"], "algorithm"),
                               (["--rank", "2"], "--family lowrank"), (["--family", "lowrank", "--rank", "0"], "--rank"),
                               (["--init", "map"], "init"), (["--init", "mode", "--init-iterations", "0"], "--init-iterations")] {
            do {
                _ = try LeapfrogCommand.parseAsRoot(["variational", "bnn"] + args)
                Issue.record("\(args) was accepted")
            } catch {
                let message = LeapfrogCommand.message(for: error)
                #expect(message.contains(needle), "\(args): \(message)")
            }
        }
    }
}
