import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogReference
@testable import LeapfrogStan

/// An ODE system's right-hand side compiled to scalars (`ScalarProgram`) is the node-by-node
/// evaluation's twin: the same f, ∂f/∂y and ∂f/∂p at random points, for bodies using each kind of
/// operation the compiled form has (elementwise maths with broadcasting, sums, gathers, joins,
/// transposes, matrix products).
@Suite struct ScalarProgramTests {
    static let source = """
        functions {
          vector rhs(real t, vector y, matrix A, vector b, real c) {
            vector[3] g = A * y + b * sin(t);
            row_vector[3] h = y';
            return [exp(-c * y[1]) * g[1], tanh(g[2]) - y[3] / (1 + square(y[2])), pow(fabs(h[3]) + 1, c) + sum(g) - log1p(exp(y[1]))]';
          }
        }
        data { array[2] real ts; matrix[3, 3] A; }
        parameters { vector[3] b; real<lower=0> c; vector[3] y0; }
        transformed parameters { array[2] vector[3] y = ode_rk45(rhs, y0, 0, ts, A, b, c); }
        model { b ~ normal(0, 1); c ~ gamma(2, 2); y0 ~ normal(0, 1); }
        """

    @Test func compiledAndNodeByNodeAgree() throws {
        let data = DataSet(["ts": .vector([0.5, 1]), "A": .matrix(rows: [[0.1, -0.4, 0.2], [0.3, 0.05, -0.2], [-0.1, 0.2, 0.1]])], source: "d.json")
        let model = try stanReference(Self.source, data)
        let (i, system) = try #require(model.odeSystems.first)
        let program = try #require(model.odePrograms[i], "the body compiles to scalars")
        var rng = TestRandom(seed: 5)
        for _ in 0..<4 {
            let u = rng.vector(model.dimension, -1, 1)
            // The values the body reads from outside it, as a forward pass leaves them.
            let tape = model.forward(u, nodes: model.derivedNodes, model.derivedLevels)
            let (n, p) = (3, system.columns)
            let compiled = model.programJacobian(program, system, tape.values, n: n, p: p)
            let nodeByNode = model.nodeJacobian(system, tape.values, n: n, p: p)
            let t = rng.uniform(0, 1), z = rng.vector(n * (1 + p), -1, 1)
            var (f1, jy1, jp1) = ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n * n), [Double](repeating: 0, count: n * p))
            var (f2, jy2, jp2) = (f1, jy1, jp1)
            compiled(t, z, &f1, &jy1, &jp1, true)
            nodeByNode(t, z, &f2, &jy2, &jp2, true)
            for (a, b) in zip(f1 + jy1 + jp1, f2 + jy2 + jp2) {
                #expect(abs(a - b) <= 1e-13 * max(1, abs(b)), "node \(i): \(a) vs \(b)")
            }
            #expect(jp1.contains { $0 != 0 } && jy1.contains { $0 != 0 })
        }
    }

    /// posteriordb's ODE programs take the compiled form.
    @Test(arguments: ["lotka_volterra:hudson_lynx_hare", "sir:sir", "soil_incubation:soil_carbon"])
    func posteriordbSystemsCompile(_ pair: String) throws {
        let parts = pair.split(separator: ":").map(String.init)
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/\(parts[1]).json"))
        let program = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/\(parts[0]).stan"))
        let (graph, prepared) = try program.instantiate(data: data)
        let model = try ReferenceModel(graph: graph, data: prepared)
        #expect(!model.odeSystems.isEmpty && model.odeSystems.keys.allSatisfy { model.odePrograms[$0] != nil })
    }
}
