import Foundation
import Leapfrog
import LeapfrogTestSupport
import Testing
@testable import LeapfrogCommands

/// `leapfrog eval` end to end (parsed from arguments, run in-process).
@Suite(.serialized)
struct EvalCommandTests {
    static func eval(_ args: [String]) throws -> EvalCommand.Output {
        let command = try LeapfrogCommand.parseAsRoot(["eval"] + args)
        return try (command as! EvalCommand).report()
    }

    static func temporaryFile(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-cli-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `--print-graph` prints the graph a Stan program compiles to, in the model-graph format: read
    /// back with its prepared data, it has the program's log density.
    @Test func printGraphGivesTheCompiledGraph() throws {
        let program = RepositoryData.path("posteriordb/stan/dogs.stan"), data = RepositoryData.path("posteriordb/dogs.json")
        let command = try LeapfrogCommand.parseAsRoot(["eval", program, "--data", data, "--print-graph"]) as! EvalCommand
        let graph = try ModelGraph.fromJSON(try command.graphJSON())
        #expect(graph.parameters.map(\.name) == ["beta"] && graph.derived.map(\.name) == ["n_avoid", "n_shock", "p"])
        let model = try StanProgram.load(path: program)
        let prepared = try model.prepareData(try StanJSON.load(path: data))
        let u = [0.5, -0.3, -0.2]
        let printed = try ReferenceModel(graph: graph, data: prepared).logDensity(u)
        let (compiled, _) = try model.instantiate(data: try StanJSON.load(path: data))
        let direct = try ReferenceModel(graph: compiled, data: prepared).logDensity(u)
        #expect(printed.isFinite && printed == direct)
    }

    /// Issue 2's acceptance check: `leapfrog eval` on the BNN, at points given as named
    /// constrained values, agrees with the independent numpy implementation
    /// (scripts/make_model_fixtures.py) in the gradient and in log-density differences.
    @Test func bnnEvalAgreesWithIndependentImplementation() throws {
        let fixture = ModelFixtures.shared
        var lps: [Double] = []
        for (k, p) in fixture.bnn.enumerated() {
            // Named constrained values, matrices as arrays of rows (CmdStan inits format).
            func rows(_ v: ArraySlice<Double>, _ r: Int, _ c: Int) -> String {
                "[" + (0..<r).map { i in "[" + (0..<c).map { j in "\(v[v.startIndex + i * c + j])" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
            }
            let u = p.u
            let json = "{\"W1\": \(rows(u[0..<15], 3, 5)), \"W2\": \(rows(u[15..<40], 5, 5)), "
                + "\"W3\": [\(u[40..<45].map { "\($0)" }.joined(separator: ","))], \"prec\": \(exp(u[45]))}"
            let path = try Self.temporaryFile("bnn-point-\(k).json", json)
            let out = try Self.eval(["bnn", "--params", path, "--backend", "cpu"])
            let point = try #require(out.points.first)
            #expect(zip(point.unconstrained, u).allSatisfy { abs($0 - $1) < 1e-12 * max(1, abs($1)) })
            let worst = zip(point.gradient, p.gradient!).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-8, "gradient differs from numpy by \(worst)")
            lps.append(point.log_density)
        }
        for k in 1..<lps.count {
            let ours = lps[k] - lps[0], theirs = fixture.bnn[k].lp - fixture.bnn[0].lp
            #expect(abs(ours - theirs) < 1e-8 * max(1, abs(theirs)))
        }
    }

    /// `--backend opencl` prints what `--backend cpu` prints, within the parity tolerances
    /// (f64: 1e-10 relative; f32: 1e-4 relative to the gradient's norm).
    @Test(arguments: ["bnn", "eight-schools", "eight-schools-centered", "gp-regression"])
    func openCLEvalMatchesCPU(_ model: String) throws {
        let cpu = try Self.eval([model, "--chains", "7", "--seed", "3", "--backend", "cpu"])
        for (precision, tol) in [("f64", 1e-10), ("f32", 1e-4)] {
            let cl: EvalCommand.Output
            do {
                cl = try Self.eval([model, "--chains", "7", "--seed", "3", "--backend", "opencl", "--precision", precision])
            } catch let e as LeapfrogError where e.kind == .device {
                Issue.record("no OpenCL device for the parity check: \(e.message)")
                return
            }
            #expect(cl.parameter_names == cpu.parameter_names)
            for (a, b) in zip(cl.points, cpu.points) {
                #expect(a.unconstrained == b.unconstrained)
                let norm = b.gradient.map { $0 * $0 }.reduce(0, +).squareRoot()
                #expect(abs(a.log_density - b.log_density) <= tol * max(1, abs(b.log_density)), "\(model) \(precision) lp")
                let gerr = zip(a.gradient, b.gradient).map { abs($0 - $1) }.max()!
                #expect(gerr <= tol * max(1, norm), "\(model) \(precision) gradient differs by \(gerr)")
            }
        }
    }

    @Test func randomPointsAreTheSamplersInitialPoints() throws {
        let out = try Self.eval(["eight-schools", "--chains", "3", "--seed", "9", "--backend", "cpu"])
        #expect(out.points.count == 3)
        #expect(out.points.allSatisfy { $0.unconstrained.allSatisfy { abs($0) <= 2 } })
        #expect(out.parameter_names.first == "mu" && out.dimension == 10)
        #expect(out.points[0].constrained["tau"] == .number(exp(out.points[0].unconstrained[1])))
    }

    /// A point's `constrained` values, as printed, are a `--params` file for the same point: a
    /// scalar as a number, a matrix as rows (they were one-element and flat arrays, refused).
    @Test func constrainedValuesGoBackAsParams() throws {
        let first = try Self.eval(["bnn", "--chains", "1", "--seed", "3", "--backend", "cpu"])
        let encoder = JSONEncoder()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-eval-params-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try encoder.encode(first.points[0].constrained).write(to: URL(fileURLWithPath: path))
        guard case .array(let rows)? = first.points[0].constrained["W1"], case .array(let row)? = rows.first else {
            Issue.record("W1 is not an array of rows"); return
        }
        #expect(rows.count == 3 && row.count == 5)
        let again = try Self.eval(["bnn", "--params", path, "--backend", "cpu"])
        let (u, v) = (first.points[0].unconstrained, again.points[0].unconstrained)
        #expect(u.count == v.count && zip(u, v).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($0)) })
    }

    @Test func badInputIsAClearError() throws {
        #expect(throws: (any Error).self) { try Self.eval(["eight-schools", "--chains", "0"]) }
        do {
            _ = try Self.eval(["nosuchmodel"])
            Issue.record("accepted an unknown model")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("unknown model 'nosuchmodel'"))
        }
        let bad = try Self.temporaryFile("bad-params.json", "{\"mu\": 1, \"tau\": -1, \"theta_tilde\": [0,0,0,0,0,0,0,0]}")
        do {
            _ = try Self.eval(["eight-schools", "--params", bad, "--backend", "cpu"])
            Issue.record("accepted tau < 0")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("tau = -1.0 is outside its support"))
        }
        // A 2 × 4 matrix for vector[8], [[x]] for a scalar: refused by shape (they were flattened).
        for (text, message) in [("{\"mu\": 1, \"tau\": 2, \"theta_tilde\": [[0,0,0,0],[0,0,0,0]]}",
                                 "parameter 'theta_tilde' has shape [2, 4], but the model declares shape [8]"),
                                ("{\"mu\": [[1.5]], \"tau\": 2, \"theta_tilde\": [0,0,0,0,0,0,0,0]}",
                                 "parameter 'mu' has shape [1, 1], but the model declares a scalar")] {
            let path = try Self.temporaryFile("shape-params.json", text)
            do {
                _ = try Self.eval(["eight-schools", "--params", path, "--backend", "cpu"])
                Issue.record("accepted \(text)")
            } catch let e as LeapfrogError {
                #expect(e.message.contains(message), "\(e.message)")
            }
        }
    }

    /// The example in docs/model-format.md is a working model equal to the built-in.
    @Test func documentedExampleModelEvaluates() throws {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        let doc = try String(contentsOf: dir.appendingPathComponent("docs/model-format.md"), encoding: .utf8)
        let example = try #require(doc.components(separatedBy: "```json").last?.components(separatedBy: "```").first)
        let path = try Self.temporaryFile("doc-example.json", example)
        let data = try Self.temporaryFile("schools.json", BundledData.eightSchools)
        let fromDoc = try Self.eval([path, "--data", data, "--chains", "2", "--seed", "4", "--backend", "cpu"])
        let builtin = try Self.eval(["eight-schools", "--chains", "2", "--seed", "4", "--backend", "cpu"])
        #expect(fromDoc.points.map(\.log_density) == builtin.points.map(\.log_density))
    }

    /// A Stan program's constrained types in `--params` as CmdStan's inits hold them (a simplex as
    /// its elements, a correlation matrix as rows): the printed `constrained` values go back as
    /// parameters and give the same point, except where the transform leaves coordinates free (a
    /// unit vector's radius, the matrix transforms' unused entries, set to 0). A value outside its
    /// type is named.
    @Test func stanConstrainedTypesGoBackAsParams() throws {
        let program = try Self.temporaryFile("constrained.stan", """
            data { int K; vector[K] lo; }
            parameters {
              simplex[K] th; array[2] simplex[K] ths; ordered[K] o; positive_ordered[K] po; unit_vector[K] uv;
              cholesky_factor_corr[K] L; corr_matrix[K] Om; cholesky_factor_cov[K] C; cov_matrix[K] S;
              vector<lower=lo>[K] v; real<lower=0> a1; real<lower=a1, upper=a1 + 2> b1;
            }
            model { th ~ dirichlet(rep_vector(2, K)); o ~ normal(0, 3); po ~ normal(0, 3); v ~ normal(0, 3); a1 ~ exponential(1); }
            """)
        let data = try Self.temporaryFile("constrained.json", #"{"K": 3, "lo": [0, 1, -1]}"#)
        let first = try Self.eval([program, "--data", data, "--seed", "3", "--backend", "cpu"])
        let point = first.points[0]
        #expect(point.constrained["th__free"] == nil)
        guard case .array(let th)? = point.constrained["th"] else { Issue.record("th is not printed as a vector"); return }
        #expect(th.count == 3)
        let path = try Self.temporaryFile("constrained-params.json", String(decoding: try JSONEncoder().encode(point.constrained), as: UTF8.self))
        let again = try Self.eval([program, "--data", data, "--params", path, "--backend", "cpu"])
        var free: Set<String> = ["uv__free[1]", "uv__free[2]", "uv__free[3]"]
        for m in ["L", "Om", "C", "S"] {
            let correlation = m == "L" || m == "Om"
            for i in 1...3 {
                for j in i...3 where j > i || correlation { free.insert("\(m)__free[\(i),\(j)]") }
            }
        }
        for (name, (u, v)) in zip(first.parameter_names, zip(point.unconstrained, again.points[0].unconstrained)) where !free.contains(name) {
            #expect(abs(u - v) <= 1e-9 * max(1, abs(u)), "\(name): \(u) then \(v)")
        }
        let bad = try Self.temporaryFile("bad-simplex.json", String(decoding: try JSONEncoder().encode(point.constrained), as: UTF8.self)
            .replacingOccurrences(of: "\"th\":[", with: "\"th\":[0.5,"))
        do {
            _ = try Self.eval([program, "--data", data, "--params", bad, "--backend", "cpu"])
            Issue.record("accepted a simplex of 4 elements for simplex[3]")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("parameter 'th' has shape [4], but the program declares [3]"), "\(e.message)")
        }
        var values = point.constrained
        values["th"] = .array([.number(0.2), .number(0.3), .number(0.6)])
        let notSimplex = try Self.temporaryFile("not-simplex.json", String(decoding: try JSONEncoder().encode(values), as: UTF8.self))
        do {
            _ = try Self.eval([program, "--data", data, "--params", notSimplex, "--backend", "cpu"])
            Issue.record("accepted a simplex summing to 1.1")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("'th' is not a simplex: its elements must be positive and sum to 1, they sum to 1.1"), "\(e.message)")
        }
        values["th"] = nil
        let missing = try Self.temporaryFile("missing-simplex.json", String(decoding: try JSONEncoder().encode(values), as: UTF8.self))
        do {
            _ = try Self.eval([program, "--data", data, "--params", missing, "--backend", "cpu"])
            Issue.record("accepted parameters without th")
        } catch let e as LeapfrogError {
            #expect(e.message.hasSuffix("parameter 'th' is missing"), "\(e.message)")  // not 'th__free'
        }
    }

    /// Zero-size parameters given as `[]`, as CmdStan writes any empty array.
    @Test func emptyParametersAreGivenAsEmptyArrays() throws {
        let program = try Self.temporaryFile("empty.stan", "data { int K; } parameters { cov_matrix[K] S; array[K] simplex[3] th; real a; } model { a ~ normal(0, 1); }")
        let data = try Self.temporaryFile("empty.json", #"{"K": 0}"#)
        let params = try Self.temporaryFile("empty-params.json", #"{"S": [], "th": [], "a": 0.5}"#)
        let out = try Self.eval([program, "--data", data, "--params", params, "--backend", "cpu"])
        #expect(out.points[0].unconstrained == [0.5])
    }
}
