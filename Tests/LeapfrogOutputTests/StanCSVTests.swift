import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOutput

@Suite struct StanCSVReading {
    @Test func cmdStanOutputParses() throws {
        let file = try StanCSVReader.parse(CmdStanFixtures.bernoulli, source: "bernoulli.csv")
        #expect(file.columnNames == StanCSVWriter.statisticColumns + ["theta"])
        #expect(file.rowCount == 10)
        #expect(file.column("theta")?.first == 0.247064)
        #expect(file.column("divergent__")?.reduce(0, +) == 1)
        #expect(file.stepSize == 0.908704)
        #expect(file.inverseMetric == [[0.517045]])
        #expect(file.timing == RunTiming(warmupSeconds: 0.004, samplingSeconds: 0.012))
        #expect(file.configuration["sample.num_samples"] == "10")
        #expect(file.configuration["sample.adapt.delta"] == "0.80000000000000004")
        #expect(file.configuration["sample.hmc.nuts.max_depth"] == "10")
        #expect(file.configuration["sample.hmc.metric_file"] == "")
        #expect(file.configuration["random.seed"] == "20231012")
        #expect(file.configuration["model"] == "bernoulli_model")
        #expect(file.configuration["stancflags"] == "")
        #expect(file.configurationValue("seed") == "20231012")
        #expect(file.configurationValue("file") == nil)  // data.file and output.file
        #expect(file.configurationValue("data.file") == "bernoulli.data.json")
        #expect(file.parameterNames == ["theta"])
        #expect(!file.interrupted)
    }

    @Test func denseMetricMatrixBlankLinesAndCRLF() throws {
        let file = try StanCSVReader.parse(CmdStanFixtures.denseMatrix, source: "mvn.csv")
        #expect(file.rowCount == 2)
        #expect(file.inverseMetric == [[1.5, 0.25], [0.25, 2]])
        #expect(file.configuration["sample.hmc.metric"] == "dense_e")
        #expect(file.timing?.samplingSeconds == 2)
        let sigma22 = try #require(file.column("Sigma.2.2"))
        #expect(sigma22 == [22, 2.5e10])
        let row2 = file.columns.map { $0[1] }
        #expect(row2[8] == -.infinity && row2[9].isNaN && row2[10] == 1e-300)
        // Gathered row-major with Stan-style names.
        let posterior = try StanCSVReader.posterior([file, file])
        #expect(posterior.map(\.name) == ["mu", "Sigma[1,1]", "Sigma[1,2]", "Sigma[2,1]", "Sigma[2,2]"])
        #expect(posterior[2].draws == [[12, 1e-300], [12, 1e-300]])
    }

    @Test func bracketNames() {
        #expect(StanCSVFile.bracketName("theta") == "theta")
        #expect(StanCSVFile.bracketName("theta.3") == "theta[3]")
        #expect(StanCSVFile.bracketName("W1.2.5") == "W1[2,5]")
        #expect(StanCSVFile.bracketName("z.real") == "z.real")
    }

    @Test(arguments: [
        ("# only comments\n", "t.csv: no header row; a Stan CSV file has a line naming the columns after its '#' comments"),
        ("a,b\n1,2\n3\n", "t.csv:3: row has 1 values but the header has 2 columns"),
        ("a,b\n1,2\n# c\n\n3,x\n", "t.csv:5:2: 'x' in column 'b' is not a number"),
        ("a,,b\n", "t.csv:1:2: column 2 of the header row has no name"),
        ("# c\na,b,a\n", "t.csv:2:3: duplicate column name 'a' (also column 1)"),
        ("a\n1\n# Adaptation terminated\n# Step size = big\n", "t.csv:4: cannot read the step size in '# Step size = big'"),
    ])
    func errorsNameFileAndLine(text: String, message: String) {
        #expect(throws: LeapfrogError(.data, message)) { try StanCSVReader.parse(text, source: "t.csv") }
    }

    @Test func missingFileIsAnIOError() {
        #expect(throws: LeapfrogError(.io, "cannot read Stan CSV file '/nonexistent/chain-1.csv': no such file")) {
            try StanCSVReader.read(path: "/nonexistent/chain-1.csv")
        }
    }
}

@Suite struct StanCSVWriting {
    var configuration: StanCSVConfiguration {
        var c = StanCSVConfiguration(model: "test_model", numSamples: 7, numWarmup: 50, seed: 42)
        c.dataFile = "data.json"
        c.extra = [("leapfrog_backend", "reference")]
        return c
    }

    func write(_ dir: String, draws: Int, interrupted: Bool = false, chains: [Int]? = nil) throws -> StanCSVWriter {
        let writer = try StanCSVWriter(directory: dir, schema: testSchema, configuration: configuration, chains: chains)
        try writer.recordAdaptation(WarmupAdaptation(
            stepSize: [0.5, 0.25, 1.0 / 3], inverseMetricDiagonal: (0..<3).map { c in (0..<11).map { Double($0 + c) + 0.5 } }))
        for d in 0..<draws {
            try writer.append(values: testDraw(testSchema, draw: d), stats: testStats(testSchema, draw: d))
        }
        try writer.finish(interrupted: interrupted, timing: RunTiming(warmupSeconds: 1.2344, samplingSeconds: 3))
        return writer
    }

    @Test func headerIsColumnMajorAsStanWritesIt() throws {
        let writer = try StanCSVWriter(directory: "/tmp", schema: DrawSchema(
            variables: [.init("W1", [3, 2]), .init("s"), .init("a", [2, 1, 2])], chains: 1, plannedDraws: 1),
            configuration: configuration, chains: [])
        #expect(writer.parameterColumns.map(\.name) == [
            "W1.1.1", "W1.2.1", "W1.3.1", "W1.1.2", "W1.2.2", "W1.3.2", "s",
            "a.1.1.1", "a.2.1.1", "a.1.1.2", "a.2.1.2"])
        // Row-major flat offsets: W1[i,j] at 2(i−1)+(j−1); a[i,1,k] at 7 + 2(i−1) + (k−1).
        #expect(writer.parameterColumns.map(\.flatOffset) == [0, 2, 4, 1, 3, 5, 6, 7, 9, 8, 10])
        writer.abandon()
    }

    @Test func everyValueReadsBackExactly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try write(dir.path, draws: 7)
        #expect(writer.paths == ["chain-1.csv", "chain-2.csv", "chain-3.csv"].map(dir.file))
        var files: [StanCSVFile] = []
        for (c, path) in writer.paths.enumerated() {
            #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
            let file = try StanCSVReader.read(path: path)
            files.append(file)
            #expect(file.rowCount == 7)
            #expect(file.configuration["id"] == "\(c + 1)")
            #expect(file.configuration["output.file"] == "chain-\(c + 1).csv")
            #expect(file.configuration["output.sig_figs"] == "17")
            #expect(file.configuration["sample.num_samples"] == "7")
            #expect(file.configuration["sample.hmc.nuts.max_depth"] == "10")
            #expect(file.configuration["leapfrog_backend"] == "reference")
            #expect(file.configuration["leapfrog_interrupted"] == "0")
            #expect(file.configuration["leapfrog_draws_written"] == "7")
            #expect(file.stepSize == [0.5, 0.25, 1.0 / 3][c])
            #expect(file.inverseMetric == [(0..<11).map { Double($0 + c) + 0.5 }])
            #expect(file.timing == RunTiming(warmupSeconds: 1.234, samplingSeconds: 3))
            for d in 0..<7 {
                let s = testStats(testSchema, draw: d)
                #expect(file.column("lp__")?[d] == s.lp[c])
                #expect(file.column("accept_stat__")?[d] == s.acceptanceRate[c])
                #expect(file.column("stepsize__")?[d] == s.stepSize[c])
                #expect(file.column("treedepth__")?[d] == Double(s.treeDepth[c]))
                #expect(file.column("n_leapfrog__")?[d] == Double(s.nSteps[c]))
                #expect(file.column("divergent__")?[d] == (s.diverging[c] ? 1 : 0))
                #expect(file.column("energy__")?[d] == s.energy[c])
            }
        }
        let posterior = try StanCSVReader.posterior(files)
        #expect(posterior.map(\.name) == testSchema.bracketNames)
        for (k, element) in posterior.enumerated() {
            for c in 0..<3 {
                for d in 0..<7 {
                    #expect(same(element.draws[c][d], testValue(chain: c, draw: d, slot: k)), "\(element.name) \(c) \(d)")
                }
            }
        }
        let text = try String(contentsOfFile: writer.paths[0], encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "# model = test_model")
        #expect(lines.contains("#   sample"))
        #expect(lines.contains("#       delta = 0.8"))
        #expect(lines.contains("lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,W1.1.1,W1.2.1,W1.3.1,W1.1.2,W1.2.2,W1.3.2,prec,theta.1,theta.2,theta.3,theta.4"))
        #expect(lines.contains("# Diagonal elements of inverse mass matrix:"))
        #expect(lines.contains("# 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5"))
        #expect(Array(lines.suffix(8)) == [
            "# ", "#  Elapsed Time: 1.234 seconds (Warm-up)", "#                3 seconds (Sampling)",
            "#                4.234 seconds (Total)", "# ", "# leapfrog_interrupted = 0", "# leapfrog_draws_written = 7", ""])
        #expect(text.contains(",inf"))
        #expect(try String(contentsOfFile: writer.paths[1], encoding: .utf8).contains(",nan"))
        if let check = checkDirectory {
            for (c, path) in writer.paths.enumerated() {
                let target = check + "/roundtrip-chain-\(c + 1).csv"
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: path, toPath: target)
            }
        }
    }

    /// A draw big enough to be formatted over the cores (256 chains × 300 columns) is written
    /// to every chain's own file in order and reads back exactly.
    @Test func manyChainsAreWrittenOverTheCoresAndReadBackExactly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let schema = DrawSchema(variables: [.init("x", [300])], chains: 256, plannedDraws: 3)
        #expect(ChainRanges.worthParallel(chains: schema.chains, perChain: schema.flatCount))
        var c = configuration
        c.numSamples = 3
        let writer = try StanCSVWriter(directory: dir.path, schema: schema, configuration: c)
        try writer.recordAdaptation(WarmupAdaptation(stepSize: [Double](repeating: 0.5, count: 256), inverseMetricDiagonal: nil))
        for d in 0..<3 { try writer.append(values: testDraw(schema, draw: d), stats: testStats(schema, draw: d)) }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 1))
        for chain in [0, 1, 127, 255] {
            let file = try StanCSVReader.read(path: writer.paths[chain])
            #expect(file.rowCount == 3)
            for d in 0..<3 {
                #expect(file.column("lp__")?[d] == testStats(schema, draw: d).lp[chain])
                for k in [0, 1, 150, 299] {
                    let value = try #require(file.column("x.\(k + 1)"))[d]
                    #expect(same(value, testValue(chain: chain, draw: d, slot: k)), "chain \(chain) draw \(d) x[\(k + 1)]")
                }
            }
        }
    }

    @Test func interruptedFinishKeepsTheRowsAndSaysSo() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try write(dir.path, draws: 2, interrupted: true, chains: [2])
        #expect(writer.paths == [dir.file("chain-3.csv")])
        #expect(!FileManager.default.fileExists(atPath: dir.file("chain-1.csv")))
        let file = try StanCSVReader.read(path: dir.file("chain-3.csv"))
        #expect(file.rowCount == 2)
        #expect(file.interrupted)
        #expect(file.configuration["leapfrog_draws_written"] == "2")
        #expect(file.configuration["id"] == "3")
        // num_samples now says what the file holds: "7" became "2" (same width).
        #expect(file.configuration["sample.num_samples"] == "2")
        #expect(try String(contentsOfFile: dir.file("chain-3.csv"), encoding: .utf8).contains("\n#     num_samples = 2\n"))
    }

    /// A run that stops early on purpose (`--target-ess`) says what its rows stand for too, with
    /// thinning: 110 rows at thin 3 are 330 iterations, so CmdStanPy's ⌈num_samples / thin⌉ = 110.
    @Test func aRunThatStopsEarlyRewritesNumSamplesWithItsThinning() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        var c = StanCSVConfiguration(model: "m", numSamples: 1000, numWarmup: 10, seed: 3)
        c.thin = 3
        let writer = try StanCSVWriter(directory: dir.path, schema: testSchema, configuration: c, chains: [0])
        try writer.recordAdaptation(WarmupAdaptation(stepSize: [0.1, 0.2, 0.3]))
        for d in 0..<110 { try writer.append(values: testDraw(testSchema, draw: d % 7), stats: testStats(testSchema, draw: d % 7)) }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 2))
        let file = try StanCSVReader.read(path: dir.file("chain-1.csv"))
        #expect(file.configuration["sample.num_samples"] == "330" && file.rowCount == 110 && !file.interrupted)
        // Every planned row written: the header is left as it was (⌈1000 / 3⌉ = 334 rows).
        let full = try TemporaryDirectory()
        defer { full.cleanUp() }
        let complete = try StanCSVWriter(directory: full.path, schema: testSchema, configuration: c, chains: [0])
        try complete.recordAdaptation(WarmupAdaptation(stepSize: [0.1, 0.2, 0.3]))
        for d in 0..<334 { try complete.append(values: testDraw(testSchema, draw: d % 7), stats: testStats(testSchema, draw: d % 7)) }
        try complete.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 2))
        #expect(try StanCSVReader.read(path: full.file("chain-1.csv")).configuration["sample.num_samples"] == "1000")
    }

    /// An adaptive warmup that ended early: `num_warmup` says how long it ran (it said the
    /// maximum, `--warmup`), padded to the planned width; one that ran in full leaves it.
    @Test func anAdaptiveWarmupRewritesNumWarmup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let c = StanCSVConfiguration(model: "m", numSamples: 2, numWarmup: 1000, seed: 3)
        let writer = try StanCSVWriter(directory: dir.path, schema: testSchema, configuration: c, chains: [0, 1])
        try writer.recordAdaptation(WarmupAdaptation(stepSize: [0.1, 0.2, 0.3], warmupIterations: 225))
        for d in 0..<2 { try writer.append(values: testDraw(testSchema, draw: d), stats: testStats(testSchema, draw: d)) }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 2))
        for path in writer.paths {
            let file = try StanCSVReader.read(path: path)
            #expect(file.configuration["sample.num_warmup"] == "225" && file.configuration["sample.num_samples"] == "2" && file.rowCount == 2)
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("\n#     num_warmup = 225 \n"))
        }
        let full = try TemporaryDirectory()
        defer { full.cleanUp() }
        let complete = try StanCSVWriter(directory: full.path, schema: testSchema, configuration: c, chains: [0])
        try complete.recordAdaptation(WarmupAdaptation(stepSize: [0.1, 0.2, 0.3], warmupIterations: 1000))
        for d in 0..<2 { try complete.append(values: testDraw(testSchema, draw: d), stats: testStats(testSchema, draw: d)) }
        try complete.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 2))
        #expect(try StanCSVReader.read(path: full.file("chain-1.csv")).configuration["sample.num_warmup"] == "1000")
    }

    /// A dense metric is written as CmdStan writes it, a row per line under `Elements of inverse
    /// mass matrix:` (it was the diagonal under `dense_e`, and the matrix was lost).
    @Test func aDenseMetricIsWrittenWhole() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let schema = DrawSchema(variables: [.init("x", [2])], chains: 2, plannedDraws: 1)
        var c = configuration
        c.numSamples = 1
        c.metric = "dense_e"
        let writer = try StanCSVWriter(directory: dir.path, schema: schema, configuration: c)
        try writer.recordAdaptation(WarmupAdaptation(stepSize: [0.5, 0.25], inverseMetricDiagonal: [[1.5, 2], [3, 4]],
                                                     inverseMetricDense: [[1.5, 0.25, 0.25, 2], [3, -1, -1, 4]]))
        try writer.append(values: testDraw(schema, draw: 0), stats: testStats(schema, draw: 0))
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 1))
        let text = try String(contentsOfFile: dir.file("chain-2.csv"), encoding: .utf8)
        #expect(text.contains("# Elements of inverse mass matrix:\n# 3, -1\n# -1, 4\n") && !text.contains("Diagonal"))
        #expect(try StanCSVReader.read(path: dir.file("chain-1.csv")).inverseMetric == [[1.5, 0.25], [0.25, 2]])
    }

    /// Draws from a fitted approximation are CmdStan's `fixed_param` draws (which CmdStanPy reads
    /// as plain draws), say which method made them, and carry no NUTS columns of zeros.
    @Test func fittedDrawsNameTheirMethodAndHaveNoSamplerColumns() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let schema = DrawSchema(variables: [.init("x", [2])], chains: 1, plannedDraws: 2)
        var c = StanCSVConfiguration(model: "m", numSamples: 2, numWarmup: 0, seed: 3)
        c.adaptEngaged = false
        c.method = .fitted(name: "variational", settings: [.init("algorithm", "meanfield"), .init("iter", "10000")])
        let writer = try StanCSVWriter(directory: dir.path, schema: schema, configuration: c)
        for d in 0..<2 { try writer.append(values: testDraw(schema, draw: d), stats: testStats(schema, draw: d)) }
        try writer.finish(interrupted: false, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 1))
        let file = try StanCSVReader.read(path: dir.file("chain-1.csv"))
        #expect(file.configuration["method"] == "sample" && file.configuration["sample.algorithm"] == "fixed_param")
        #expect(file.configuration["leapfrog_variational_algorithm"] == "meanfield" && file.configuration["leapfrog_variational_iter"] == "10000")
        #expect(file.configuration["sample.num_samples"] == "2" && file.configuration["sample.hmc.engine"] == nil)
        #expect(file.columnNames == ["lp__", "accept_stat__", "x.1", "x.2"] && file.rowCount == 2)
        #expect(file.column("lp__") == [testStats(schema, draw: 0).lp[0], testStats(schema, draw: 1).lp[0]])
    }

    /// Files given in a glob's order (chain-10 before chain-2) are put in chain order by their
    /// `id`; without ids, or with a repeated one, they stay as given.
    @Test func filesAreOrderedByTheirChainID() throws {
        func file(_ id: String?) throws -> StanCSVFile {
            try StanCSVReader.parse((id.map { "# id = \($0)\n" } ?? "") + "lp__\n1\n", source: "f")
        }
        let glob = try ["1", "10", "2"].map(file)
        #expect(StanCSVFile.inChainOrder(glob).map(\.chainID) == [1, 2, 10])
        #expect(StanCSVFile.inChainOrder(try [file("3"), file(nil)]).map(\.chainID) == [3, nil])
        #expect(StanCSVFile.inChainOrder(try [file("2"), file("2"), file("1")]).map(\.chainID) == [2, 2, 1])
    }

    @Test func interruptedNumSamplesIsPaddedToThePlannedWidth() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try StanCSVWriter(directory: dir.path, schema: testSchema,
                                       configuration: .init(model: "m", numSamples: 1000, numWarmup: 10, seed: 3), chains: [0])
        try writer.recordAdaptation(WarmupAdaptation(stepSize: [0.1, 0.2, 0.3], inverseMetricDiagonal: Array(repeating: Array(repeating: 1, count: 11), count: 3)))
        for d in 0..<5 { try writer.append(values: testDraw(testSchema, draw: d), stats: testStats(testSchema, draw: d)) }
        try writer.finish(interrupted: true, timing: RunTiming(warmupSeconds: 1, samplingSeconds: 2))
        let text = try String(contentsOfFile: dir.file("chain-1.csv"), encoding: .utf8)
        #expect(text.contains("\n#     num_samples = 5   \n#     num_warmup = 10\n"))
        let file = try StanCSVReader.read(path: dir.file("chain-1.csv"))
        #expect(file.configuration["sample.num_samples"] == "5")
        #expect(file.rowCount == 5)
        #expect(file.interrupted)
        if let check = checkDirectory {
            try? FileManager.default.removeItem(atPath: check + "/interrupted-chain-1.csv")
            try FileManager.default.copyItem(atPath: dir.file("chain-1.csv"), toPath: check + "/interrupted-chain-1.csv")
        }
    }

    @Test func partialUntilFinishedAbandonDeletes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        let writer = try StanCSVWriter(directory: dir.path, schema: testSchema, configuration: configuration)
        try writer.append(values: testDraw(testSchema, draw: 0), stats: testStats(testSchema, draw: 0))
        #expect(FileManager.default.fileExists(atPath: dir.file("chain-2.csv.partial")))
        #expect(!FileManager.default.fileExists(atPath: dir.file("chain-2.csv")))
        writer.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func anotherRunsPartialFileIsNotClobbered() throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanUp() }
        try Data("other".utf8).write(to: URL(fileURLWithPath: dir.file("chain-2.csv.partial")))
        #expect(throws: LeapfrogError(.io, "cannot create '\(dir.file("chain-2.csv.partial"))' already exists: another run may be writing it, or an earlier run stopped before finishing; remove it if no run is using it")) {
            try StanCSVWriter(directory: dir.path, schema: testSchema, configuration: configuration)
        }
        // Its own chain-1 partial is gone; the other run's file is untouched.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["chain-2.csv.partial"])
        #expect(try String(contentsOfFile: dir.file("chain-2.csv.partial"), encoding: .utf8) == "other")
    }

    @Test func missingDirectoryIsAClearError() {
        #expect(throws: LeapfrogError(.io, "cannot create '/nonexistent-leapfrog-dir/chain-1.csv.partial': open: No such file or directory; directory '/nonexistent-leapfrog-dir' does not exist")) {
            try StanCSVWriter(directory: "/nonexistent-leapfrog-dir", schema: testSchema, configuration: configuration)
        }
    }

    @Test func numbersRoundTripAndLookLikeCmdStans() {
        #expect(StanNumber.format(3) == "3")
        #expect(StanNumber.format(-0.0) == "-0")
        #expect(StanNumber.format(0.1) == "0.1")
        #expect(StanNumber.format(1e-5) == "1e-05")
        #expect(StanNumber.format(.nan) == "nan")
        #expect(StanNumber.format(-.infinity) == "-inf")
        for x in [1.0 / 3, Double.leastNonzeroMagnitude, 1.7976931348623157e308, -2.5e-300, 123456789.123456789] {
            #expect(StanNumber.parse(StanNumber.format(x)) == x)
        }
    }
}
