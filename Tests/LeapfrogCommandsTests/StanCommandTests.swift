import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `.stan` programs through the CLI: the examples compile and agree with the built-ins.
@Suite(.serialized)
struct StanCommandTests {
    static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir
    }()

    static func eval(_ args: [String]) throws -> EvalCommand.Output {
        try (LeapfrogCommand.parseAsRoot(["eval"] + args) as! EvalCommand).report()
    }

    /// The error `command` (`eval`, `sample`) throws for a Stan program and its data, written to a
    /// scratch folder; the program's path is passed to `check` with the message.
    static func failure(_ command: [String], program text: String, data json: String, name: String,
                        check: (_ message: String, _ program: String) -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (program, data) = (dir.appendingPathComponent("\(name).stan").path, dir.appendingPathComponent("\(name).json").path)
        try text.write(toFile: program, atomically: true, encoding: .utf8)
        try json.write(toFile: data, atomically: true, encoding: .utf8)
        do {
            var parsed = try LeapfrogCommand.parseAsRoot([command[0], program, "--data", data, "--backend", "cpu"] + command.dropFirst())
            if let sample = parsed as? SampleCommand { _ = try sample.execute() } else { try parsed.run() }
            Issue.record("\(name): no error")
        } catch let e as LeapfrogError {
            check(e.message, program)
        }
    }

    /// A shape error found only when the data are read names the Stan statement it comes from
    /// (it named a graph node only).
    @Test func aShapeErrorNamesItsStatement() throws {
        try Self.failure(["eval"], program: """
            data { int N; int D; matrix[N, D] X; vector[N] y; }
            parameters { vector[D] b; }
            model {
              b ~ normal(0, 1);
              y ~ normal(X * b + b, 1);
            }
            """, data: #"{"N": 3, "D": 2, "X": [[1, 2], [3, 4], [5, 6]], "y": [1, 2, 3]}"#, name: "shape") { message, program in
            #expect(message.hasPrefix("\(program):5:3: ") && message.contains("shapes [3] and [2] do not broadcast"), "\(message)")
        }
    }

    /// Data that leave no finite starting point (a scale of 0 that `<lower=0>` allows) name the
    /// statement and the element at fault (the message said only "no finite log density").
    @Test func noFiniteStartNamesTheTermAndElement() throws {
        try Self.failure(["sample", "--chains", "2", "--warmup", "10", "--draws", "10", "--quiet"], program: """
            data { int J; vector[J] y; vector<lower=0>[J] sigma; }
            parameters { real mu; }
            model {
              mu ~ normal(0, 5);
              y ~ normal(mu, sigma);
            }
            """, data: #"{"J": 3, "y": [1, 2.5, 3], "sigma": [1, 0, 2]}"#, name: "nofinite") { message, program in
            #expect(message.contains("no finite log density")
                    && message.contains("the term from \(program):5:3 (normal) is -inf, element 2: y = 2.5, mu = ")
                    && message.hasSuffix("sigma = 0"), "\(message)")
        }
    }

    /// Log-density differences between points and gradients agree (Stan's `~` keeps our
    /// constants, and `tau ~ cauchy` differs from the built-in's half-Cauchy by log 2).
    @Test(arguments: [("examples/eight_schools_noncentered.stan", "eight-schools", "schools"),
                      ("examples/bnn.stan", "bnn", "bnn")])
    func exampleAgreesWithTheBuiltin(_ c: (String, String, String)) throws {
        let data: String
        if c.2 == "schools" {
            data = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-schools-\(getpid()).json").path
            try BundledData.eightSchools.write(toFile: data, atomically: true, encoding: .utf8)
        } else {
            data = Self.root.appendingPathComponent("examples/bnn_toy.json").path
        }
        let stan = try Self.eval([Self.root.appendingPathComponent(c.0).path, "--data", data, "--chains", "3", "--seed", "8", "--backend", "cpu"])
        let builtin = try Self.eval([c.1, "--chains", "3", "--seed", "8", "--backend", "cpu"])
        #expect(stan.parameter_names == builtin.parameter_names)
        let d0 = stan.points[0].log_density - builtin.points[0].log_density
        for (a, b) in zip(stan.points, builtin.points) {
            #expect(abs((a.log_density - b.log_density) - d0) < 1e-9 * max(1, abs(b.log_density)))
            let worst = zip(a.gradient, b.gradient).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-9, "\(c.0): gradient differs by \(worst)")
        }
    }

    /// Stan-compiled graphs run on the OpenCL back end and agree with the CPU reference (f64).
    @Test(arguments: [("examples/bnn.stan", "examples/bnn_toy.json"),
                      ("examples/eight_schools_noncentered.stan", "schools"),
                      ("examples/coal_change_point.stan", "data/coal_mining_disasters.json"),
                      ("examples/hmm_marginal.stan", "data/posteriordb/hmm_example.json")])
    func stanProgramRunsOnOpenCL(_ c: (String, String)) throws {
        let model = Self.root.appendingPathComponent(c.0).path
        var data = Self.root.appendingPathComponent(c.1).path
        if c.1 == "schools" {
            data = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-schools-cl-\(getpid()).json").path
            try BundledData.eightSchools.write(toFile: data, atomically: true, encoding: .utf8)
        }
        let cpu = try Self.eval([model, "--data", data, "--chains", "7", "--seed", "2", "--backend", "cpu"])
        let cl: EvalCommand.Output
        do {
            cl = try Self.eval([model, "--data", data, "--chains", "7", "--seed", "2", "--backend", "opencl", "--precision", "f64"])
        } catch let e as LeapfrogError where e.kind == .device {
            Issue.record("no OpenCL device: \(e.message)")
            return
        }
        for (a, b) in zip(cl.points, cpu.points) {
            #expect(abs(a.log_density - b.log_density) <= 1e-10 * abs(b.log_density))
            let worst = zip(a.gradient, b.gradient).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-10)
        }
    }

    @Test func stanErrorsPointAtTheSource() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-bad-\(getpid()).stan").path
        try "parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, sigmaa);\n}\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Self.eval([path, "--backend", "cpu"])
            Issue.record("an unknown identifier compiled")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("\(path):5:"), "\(e.message)")
            #expect(e.message.contains("sigmaa") && e.message.contains("^"), "\(e.message)")
        }
    }
}
