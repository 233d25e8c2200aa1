import Foundation
import Leapfrog
import LeapfrogTestSupport
import Testing

/// `VariationalRun` end to end on small built-ins: the files it writes, a failing fit keeping its
/// trace, and the OpenCL back end giving the CPU reference's fit.
@Suite(.serialized)
struct VariationalRunTests {
    static func scratch(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-vi-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    static func gaussian() throws -> ModelInstance {
        try BuiltinModels.named("gaussian").instantiate(options: try ModelOptions(parsing: ["dim=3,kind=correlated"]))
    }

    static func configuration(output: String?, csv: Bool = false) -> VariationalConfiguration {
        var advi = ADVIConfiguration()
        advi.maxIterations = 400
        advi.learningRate = 0.05
        var c = VariationalConfiguration(advi: advi, draws: 200, backend: BackendOptions(name: "cpu"),
                                         output: output.map { .init(directory: $0, csv: csv) })
        c.modelLabel = "gaussian"
        return c
    }

    @Test func writesTheTraceTheDrawsTheFamilyAndTheSummary() throws {
        let dir = Self.scratch("files")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let outcome = try VariationalRun(Self.configuration(output: dir, csv: true)).fit(try Self.gaussian())
        let trace = try CSVTable.load(path: dir + "/elbo.csv")
        #expect(trace.columnNames == ["iteration", "elbo", "elbo_mean", "grad_norm", "learning_rate", "seconds"])
        #expect(try trace.column("iteration") == (1...outcome.fit.iterations).map(Double.init))
        let family = try VariationalFile.read(path: dir + "/variational.json")
        #expect(family.family == "meanfield" && family.mean.count == 3 && family.scale?.count == 3 && family.covariance == nil)
        #expect(family.parameters == ["x[1]", "x[2]", "x[3]"])
        #expect(family.paretoK == outcome.paretoK)
        let summary = try SummaryFile.read(path: dir + "/summary.json")
        #expect(summary.chains == 1 && summary.draws == 200 && summary.configuration["algorithm"] == "meanfield")
        #expect(summary.parameters.map(\.name) == ["lp__", "x[1]", "x[2]", "x[3]"])
        #expect(FileManager.default.fileExists(atPath: dir + "/chain-1.csv"))
        // The outcome lists every file written (the draws' were left out).
        let written = ["elbo.csv", "variational.json", "summary.json", "chain-1.csv"] + (NetCDFLibrary.isAvailable ? ["posterior.nc"] : [])
        #expect(Set(outcome.files) == Set(written.map { dir + "/" + $0 }), "\(outcome.files)")
        if NetCDFLibrary.isAvailable {
            let reader = try InferenceDataReader(path: dir + "/posterior.nc")
            defer { reader.close() }
            let x = try reader.posterior("x")
            #expect(x.count == 3 && x[0].draws.count == 1 && x[0].draws[0].count == 200)
            // Draws of a fitted family have a log density and no sampler's statistics.
            #expect(reader.sampleStatisticNames == ["lp"])
        }
        // The draws' means are the family's (mean-field on this target: the exact means, Monte-Carlo error aside).
        for i in 0..<3 {
            let s = try #require(outcome.summaries.first { $0.name == "x[\(i + 1)]" })
            #expect(abs(s.mean - family.mean[i]) < 4 * family.scale![i] / 200.0.squareRoot())
        }
        // A second run into the same directory is refused without --overwrite.
        #expect(throws: LeapfrogError.self) { try VariationalRun(Self.configuration(output: dir)) }
    }

    /// `--prune-restarts`: variational.json names the iteration each pruned restart left at (null
    /// for the survivor, which is the best restart), summary.json the setting, and elbo.csv writes
    /// a pruned restart's ELBO as nan from then on.
    @Test func prunedRestartsAreReported() throws {
        let dir = Self.scratch("prune")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = Self.configuration(output: dir)
        c.advi.restarts = 4
        c.advi.evaluationInterval = 50
        c.advi.pruneInterval = 100
        c.advi.toleranceRelativeObjective = 1e-9
        let outcome = try VariationalRun(c).fit(try Self.gaussian())
        let family = try VariationalFile.read(path: dir + "/variational.json")
        let pruned = try #require(family.restartPrunedAfter)
        #expect(pruned.compactMap { $0 }.sorted() == [100, 100, 200])
        #expect(pruned[family.bestRestart - 1] == nil && outcome.fit.prunedAfter == pruned)
        #expect(try SummaryFile.read(path: dir + "/summary.json").configuration["prune_restarts"] == "100")
        let rows = try String(contentsOfFile: dir + "/elbo.csv", encoding: .utf8).split(separator: "\n")
        let first = try #require(pruned.firstIndex { $0 == 100 })
        #expect(rows[100].split(separator: ",")[6 + first] != "nan" && rows[101].split(separator: ",")[6 + first] == "nan")
        // Without the option the file has no such field.
        c.advi.pruneInterval = nil
        c.output?.overwrite = true
        _ = try VariationalRun(c).fit(try Self.gaussian())
        #expect(try VariationalFile.read(path: dir + "/variational.json").restartPrunedAfter == nil)
    }

    /// `predictive.csv`: every 40 iterations, each of the BNN's 25 `mu_grid` points summarised over
    /// draws of the current family, quantiles in order; the last frame is the fit's.
    @Test func snapshotsThePredictiveWhileFitting() throws {
        let dir = Self.scratch("snap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = Self.configuration(output: dir)
        c.advi.maxIterations = 120
        c.draws = 50
        c.snapshotEvery = 40
        _ = try VariationalRun(c).fit(try BuiltinModels.named("bnn").instantiate())
        let lines = try String(contentsOfFile: dir + "/predictive.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "iteration,quantity,mean,q5,q25,q50,q75,q95")
        #expect(lines.count == 1 + 3 * 25)
        #expect(lines[1].hasPrefix("40,mu_grid[1],") && lines.last?.hasPrefix("120,mu_grid[25],") == true)
        for line in lines.dropFirst() {
            let v = line.split(separator: ",").dropFirst(2).map { Double($0)! }
            #expect(v.count == 6 && zip(v.dropFirst(), v.dropFirst(2)).allSatisfy { $0 <= $1 } && v[0].isFinite, "\(line)")
        }
    }

    /// A back end whose log density turns NaN after 30 evaluations: the fit fails naming
    /// iteration 31, and `elbo.csv` keeps the 30 rows written before.
    @Test func aFailingFitKeepsItsTrace() throws {
        struct NaNBackend: Backend {
            let name = "nan", displayName = "NaN", summary = "turns NaN"
            func deviceListing() throws -> String { "" }
            func make(_ bound: BoundModel, options: BackendOptions, log: @escaping @Sendable (String) -> Void) throws -> SelectedBackend {
                SelectedBackend(density: NaNAfter(ReferenceModel(bound), after: 30), description: "nan")
            }
        }
        let dir = Self.scratch("nan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = Self.configuration(output: dir)
        c.registry = BackendRegistry([NaNBackend()])
        c.backend = BackendOptions(name: "nan")
        let error = #expect(throws: LeapfrogError.self) { try VariationalRun(c).fit(try Self.gaussian()) }
        #expect(error?.message.contains("iteration 31") == true, "\(error?.message ?? "")")
        let trace = try CSVTable.load(path: dir + "/elbo.csv")
        #expect(try trace.column("iteration") == (1...30).map(Double.init))
        #expect(!FileManager.default.fileExists(atPath: dir + "/posterior.nc"))
    }

    @Test func learningRateZeroIsRefusedBeforeAnyWork() throws {
        var c = Self.configuration(output: nil)
        c.advi.learningRate = 0
        let error = #expect(throws: LeapfrogError.self) { try VariationalRun(c).fit(try Self.gaussian()) }
        #expect(error?.message.contains("--learning-rate must be positive") == true)
    }

    /// The OpenCL back end (f64) gives the CPU reference's fit: the same Philox draws, the same
    /// gradients to rounding, so after 20 iterations the families agree to 1e-8.
    @Test(.enabled(if: (try? OpenCLRuntime.device()) != nil, "no OpenCL device"))
    func openCLGivesTheReferenceFit() throws {
        let instance = try BuiltinModels.named("eight-schools").instantiate()
        let bound = try BoundModel(graph: instance.graph, data: instance.data)
        var options = BackendOptions(name: "opencl", precision: .f64)
        options.checked = false
        let device = try BackendRegistry.standard.make(bound, options: options)
        #expect(device.description.hasPrefix("opencl"), "\(device.description)")
        var advi = ADVIConfiguration()
        advi.maxIterations = 20
        advi.restarts = 2
        advi.gradientSamples = 8
        advi.stickingTheLanding = true
        for family in GaussianFamily.Kind.allCases {
            advi.family = family
            let cpu = try ADVI.fit(model: ReferenceModel(bound), configuration: advi)
            let cl = try ADVI.fit(model: device.density, configuration: advi)
            var one = advi
            one.maxIterations = 1
            let start = try ADVI.fit(model: ReferenceModel(bound), configuration: one)
            #expect(cpu.families[0].mean != start.families[0].mean, "the fit moved")
            for (a, b) in zip(cpu.families, cl.families) {
                for (x, y) in zip(a.parameters, b.parameters) {
                    #expect(abs(x - y) <= 1e-8 * max(1, abs(x)), "\(family.rawValue): \(x) against \(y)")
                }
            }
        }
    }
}

/// Returns NaN (log density and gradient) from evaluation `after` on.
final class NaNAfter: BatchedLogDensity, @unchecked Sendable {
    let base: any BatchedLogDensity
    let after: Int
    private var calls = 0
    init(_ base: any BatchedLogDensity, after: Int) { self.base = base; self.after = after }
    var dimension: Int { base.dimension }
    func evaluate(_ positions: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        calls += 1
        var out = try base.evaluate(positions, active: active)
        if calls > after {
            out.logDensity = out.logDensity.map { _ in .nan }
            out.gradient.values = out.gradient.values.map { _ in .nan }
        }
        return out
    }
}
