import ArgumentParser
import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// What a user who gets something wrong is told: the file, the option, the reason, before any work.
@Suite(.serialized)
struct CommandMessageTests {
    static func temporary(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-messages-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: path)
        return path
    }

    /// The message ArgumentParser prints for what `arguments` throw, parsed or run.
    static func message(_ arguments: [String]) -> String? {
        do {
            var command = try LeapfrogCommand.parseAsRoot(arguments)
            if let sample = command as? SampleCommand { _ = try sample.execute() } else { try command.run() }
            return nil
        } catch {
            return LeapfrogCommand.message(for: error)
        }
    }

    @Test(arguments: [("--chains", "-5", "--chains must be at least 1 (got -5)"),
                      ("--warmup", "-5", "--warmup cannot be negative (got -5)"),
                      ("--draws", "-5", "--draws must be at least 1 (got -5)"),
                      ("--thin", "-2", "--thin must be at least 1 (got -2)"),
                      ("--superchains", "-1", "--superchains must be at least 1 (got -1)"),
                      ("--chees-learning-rate", "-0.5", "--chees-learning-rate must be positive (got -0.5)")])
    func negativeNumbersReachValidation(_ c: (String, String, String)) throws {
        let message = try #require(Self.message(["sample", "eight-schools", c.0, c.1]))
        #expect(message.contains(c.2), "\(message)")
    }

    /// A count past 10⁹ (`CountLimit`) is named before any work, not left to overflow the run's
    /// arithmetic (it trapped with a stack trace).
    @Test(arguments: [["sample", "--draws"], ["sample", "--warmup"], ["sample", "--init-buffer"], ["sample", "--term-buffer"],
                      ["sample", "--warmup-window"], ["sample", "--steps", "--sampler", "hmc"], ["variational", "--grad-samples"],
                      ["variational", "--restarts"], ["variational", "--draws"], ["pathfinder", "--elbo-draws"], ["pathfinder", "--paths"]])
    func hugeCountsAreNamed(_ c: [String]) throws {
        let message = try #require(Self.message([c[0], "eight-schools", "--backend", "cpu", c[1], "9223372036854775807"] + c.dropFirst(2)))
        #expect(message.contains("\(c[1]) 9223372036854775807 is more than 1,000,000,000"), "\(message)")
    }

    /// A fit too big for the host is refused before it starts, naming what sizes it (it aborted
    /// in an allocation).
    @Test func aFitTooBigForTheHostIsRefused() throws {
        let pathfinder = try #require(Self.message(["pathfinder", "eight-schools", "--backend", "cpu", "--paths", "1000000000"]))
        #expect(pathfinder.contains("this fit needs about") && pathfinder.contains("lower --paths, --draws or --elbo-draws"), "\(pathfinder)")
        let vi = try #require(Self.message(["variational", "eight-schools", "--backend", "cpu", "--restarts", "1000000000"]))
        #expect(vi.contains("this fit needs about") && vi.contains("lower --draws, --restarts or --grad-samples"), "\(vi)")
        // A full-rank family's d² numbers: the family is what to change.
        let wide = try #require(Self.message(["variational", "gaussian", "--model-option", "dim=1000000", "--algorithm", "fullrank",
                                              "--backend", "cpu"]))
        #expect(wide.contains("fit --algorithm lowrank or meanfield"), "\(wide)")
    }

    /// `diagnose` on a CSV with a header and no draws, or with superchains that do not divide the
    /// chains: named (an all-NaN table and NaN nested R-hat before).
    @Test func diagnoseNamesNoDrawsAndBadSuperchains() throws {
        let dir = Self.temporary("diagnose-edge")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let empty = dir + "/empty.csv"
        try "lp__,accept_stat__,mu\n".write(toFile: empty, atomically: true, encoding: .utf8)
        let none = try #require(Self.message(["diagnose", empty]))
        #expect(none.contains("\(empty) holds no draws"), "\(none)")
        var files: [String] = []
        for c in 1...4 {
            let path = dir + "/chain-\(c).csv"
            try ("lp__,mu\n" + (0..<20).map { "\(-Double($0 % 7) - Double(c)),\(Double(($0 * 7 + c) % 11))" }.joined(separator: "\n") + "\n")
                .write(toFile: path, atomically: true, encoding: .utf8)
            files.append(path)
        }
        let superchains = try #require(Self.message(["diagnose"] + files + ["--superchains", "3"]))
        #expect(superchains.contains("--superchains 3 must divide the 4 chains into groups of 2 or more"), "\(superchains)")
        #expect(Self.message(["diagnose"] + files + ["--superchains", "2"]) == nil)
    }

    /// `--output "$DIR"` with DIR unset wrote nothing and said nothing.
    @Test func anEmptyOutputIsRefused() throws {
        for command in ["sample", "variational", "pathfinder"] {
            let message = try #require(Self.message([command, "eight-schools", "--backend", "cpu", "--output", ""]))
            #expect(message.contains("--output is empty"), "\(command): \(message)")
        }
    }

    /// `bench peak`: its options are checked before any device work, an unknown device is named.
    @Test func benchPeakNamesItsBadOptions() throws {
        let seconds = try #require(Self.message(["bench", "peak", "--seconds", "0"]))
        #expect(seconds.contains("--seconds must be positive (got 0.0)"), "\(seconds)")
        let precision = try #require(Self.message(["bench", "peak", "--precision", "f16"]))
        #expect(precision.contains("f16") && precision.contains("--precision"), "\(precision)")
        if (try? OpenCLRuntime.devices().isEmpty) == false {
            let device = try #require(Self.message(["bench", "peak", "--device", "no-such-device"]))
            #expect(device.contains("no OpenCL device matches 'no-such-device'"), "\(device)")
        }
    }

    @Test func aNegativeSeedIsNamedAsInvalid() throws {
        let message = try #require(Self.message(["sample", "eight-schools", "--seed", "-5"]))
        #expect(message.contains("'-5'") && message.contains("--seed"), "\(message)")
        let eval = try #require(Self.message(["eval", "eight-schools", "--chains", "-3"]))
        #expect(eval.contains("--chains must be at least 1 (got -3)"), "\(eval)")
    }

    /// ADVI whose first draws all fall outside the model's support (log(a − 3) with a
    /// unconstrained) names the start region and the model's constraints, not the learning rate.
    @Test func aVariationalStartOutsideTheSupportIsNamed() throws {
        let path = Self.temporary("outside.stan")
        try "parameters { real a; } model { target += log(a - 3); a ~ normal(5, 1); }".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = try #require(Self.message(["vi", path, "--backend", "cpu", "--iterations", "50"]))
        #expect(message.contains("ADVI iteration 1") && message.contains("Uniform(−2.0, 2.0)")
                && message.contains("check its support and constraints"), "\(message)")
    }

    /// A second `--data` is refused (it had silently replaced the first); ADVI of a model with
    /// no parameters says so (it had fitted nothing and reported k̂ = −∞).
    @Test func twoDataFilesAndNothingToFitAreNamed() throws {
        let twice = try #require(Self.message(["eval", "eight-schools", "--data", "a.json", "--data", "b.json"]))
        #expect(twice.contains("--data is given 2 times (a.json, b.json); give one data file"), "\(twice)")
        let path = Self.temporary("zero.stan")
        try "generated quantities { real z = 2; }".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let zero = try #require(Self.message(["vi", path, "--backend", "cpu"]))
        #expect(zero.contains("ADVI: the model has no parameters"), "\(zero)")
    }

    @Test func aMissingParamsFileIsNamedAsSuch() throws {
        let missing = Self.temporary("missing-params.json")
        let message = try #require(Self.message(["eval", "eight-schools", "--backend", "cpu", "--params", missing]))
        #expect(message.contains("cannot read --params file '\(missing)'") && message.contains(String(cString: strerror(ENOENT))),
                "\(message)")
        #expect(!message.contains("data file"))
    }

    /// One chain's file given twice (however the path is written) would count as two chains,
    /// doubling ESS and pulling R-hat toward 1: refused by `diagnose` and by `report`.
    @Test func aChainGivenTwiceIsRefused() throws {
        let dir = Self.temporary("twice")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/chain-1.csv"
        try "lp__,x\n-1,0.5\n-2,0.1\n".write(toFile: file, atomically: true, encoding: .utf8)
        let diagnose = try #require(Self.message(["diagnose", file, dir + "/./chain-1.csv"]))
        #expect(diagnose.contains("'\(dir)/./chain-1.csv' is given twice: each file is one chain"), "\(diagnose)")
        let report = try #require(Self.message(["report", file, file]))
        #expect(report.contains("'\(file)' is given twice"), "\(report)")
    }

    @Test func diagnoseRefusesAFileThatIsNotAStanCSV() throws {
        let json = Self.temporary("summary.json")
        try "{\n  \"chains\": 4,\n  \"draws\": [1, 2, 3]\n}\n".write(toFile: json, atomically: true, encoding: .utf8)
        let dataCSV = Self.temporary("data.csv")
        try "x,y\n1,2\n3,4\n".write(toFile: dataCSV, atomically: true, encoding: .utf8)
        for file in [json, dataCSV] {
            let message = try #require(Self.message(["diagnose", file]))
            #expect(message.contains("'\(file)' is not a Stan CSV file") && message.contains("posterior.nc")
                    && message.contains("diagnose reads"), "\(message)")
        }
        // A Stan CSV file with a broken row keeps the reader's line number.
        let broken = Self.temporary("chain-1.csv")
        try "# model = m\nlp__,accept_stat__,mu\n-1,0.9,0.5\n-2,0.8\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let message = try #require(Self.message(["diagnose", broken]))
        #expect(message.contains("\(broken):4: row has 2 values"), "\(message)")
    }

    /// An --output that cannot be used is refused before the model is even read: here the model
    /// name is unknown too, and the output's error is the one reported.
    @Test func anUnusableOutputIsRefusedFirst() throws {
        let file = Self.temporary("file.txt")
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let cases = [(file, "--output '\(file)' is a file, not a directory"),
                     (file + "/run", "cannot create --output directory '\(file)/run': '\(file)' is not a directory"),
                     (file + "/deeper/run", "cannot create --output directory '\(file)/deeper/run': '\(file)' is not a directory")]
        for (output, expected) in cases {
            let message = try #require(Self.message(["sample", "no-such-model", "--output", output, "--quiet"]))
            #expect(message.contains(expected), "\(message)")
        }
        #expect(!FileManager.default.fileExists(atPath: file + "/run"))
    }

    /// A run far too big for any machine's memory is refused with the figures, before sampling.
    @Test func aHugeChainCountIsRefusedBeforeSampling() throws {
        let output = Self.temporary("huge")
        let message = try #require(Self.message(["sample", "eight-schools", "--chains", "100000000", "--backend", "cpu",
                                                 "--output", output, "--quiet"]))
        #expect(message.contains("--chains 100,000,000 needs about") && message.contains("of host memory"), "\(message)")
        #expect(message.contains("this machine has") && (message.contains("chains fit") || message.contains("not even one chain")))
        // Refused before the output directory was made or anything written.
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
