import LeapfrogCore
import LeapfrogData
import Testing
@testable import LeapfrogModel

struct ModelGraphTests {
    static func schools() throws -> ModelGraph {
        try ModelBuilder.build("schools") { m in
            let y = m.data("y", ["J"]), sigma = m.data("sigma", ["J"])
            let mu = m.parameter("mu"), tau = m.parameter("tau", constraint: .positive)
            let theta = m.parameter("theta", ["J"])
            m.sample(theta, .normal(mu, tau))
            m.sample(y, .normal(theta, sigma), plate: "J")
        }
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as LeapfrogError { return e.message } catch { return "\(error)" }
        return "no error"
    }

    @Test func jsonRoundTripsExactly() throws {
        let g = try Self.schools()
        let json = try g.jsonString()
        #expect(json.contains("\"format\" : \"leapfrog-model/1\""))
        let back = try ModelGraph.fromJSON(json)
        #expect(back == g)
        #expect(try back.jsonString() == json)
    }

    @Test func malformedModelJSONIsNamed() {
        #expect(Self.message { _ = try ModelGraph.fromJSON("{\"name\": 3}", source: "m.json") }.hasPrefix("m.json:"))
        let unknownOp = #"{"name":"x","nodes":[{"op":"frobnicate"}]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(unknownOp, source: "m.json") }.contains("m.json"))
        let forward = #"{"name":"x","nodes":[{"op":"exp","args":[0]}]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(forward, source: "m.json") }.contains("node 0 (exp) refers to node 0, which is not an earlier node"))
        let unknownParam = #"{"name":"x","nodes":[{"op":"parameter","name":"theta"}]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(unknownParam) }.contains("unknown parameter 'theta'"))
        let arity = #"{"name":"x","parameters":[{"name":"a"}],"nodes":[{"op":"parameter","name":"a"},{"op":"log_density","distribution":"normal","args":[0]}]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(arity) }.contains("normal takes an outcome and mu, sigma (3 arguments), got 1"))
        let version = #"{"format":"leapfrog-model/9","name":"x","nodes":[]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(version) }.contains("unsupported model format"))
        // Syntax errors by line and column, a fractional node index by node (both read "not valid JSON").
        let truncated = "{\"name\": \"x\",\n  \"nodes\": [{\"op\": \"exp\""
        #expect(Self.message { _ = try ModelGraph.fromJSON(truncated, source: "m.json") }.hasPrefix("m.json:2:"))
        let infinity = #"{"name":"x","nodes":[{"op":"constant","value":Infinity}]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(infinity, source: "m.json") }.hasPrefix("m.json:1:47: malformed JSON"))
        let fraction = #"{"name":"x","parameters":[{"name":"a"}],"nodes":[{"op":"parameter","name":"a"},{"op":"exp","args":[0.5]}]}"#
        #expect(Self.message { _ = try ModelGraph.fromJSON(fraction, source: "m.json") }
                == "m.json: node 1 (exp): argument 1 is 0.5, not a node index")
    }

    @Test func bindingResolvesSymbolsAndNamesElements() throws {
        let data = DataSet(["J": .integer(3), "y": .vector([1, 2, 3]), "sigma": .vector([1, 1, 2])], source: "s.json")
        let bound = try BoundModel(graph: try Self.schools(), data: data)
        #expect(bound.extents["J"] == 3)
        #expect(bound.layout.elementNames == ["mu", "tau", "theta[1]", "theta[2]", "theta[3]"])
        #expect(bound.layout.coordinateNames == ["mu", "log(tau)", "theta[1]", "theta[2]", "theta[3]"])
        #expect(bound.dimension == 5)
    }

    /// What each unconstrained coordinate is, for files that hold a fit on that scale.
    @Test func coordinatesNameTheirTransform() {
        let layout = ParameterLayout([
            ("a", [], .lower(2)), ("b", [], .upper(3)), ("p", [2], .bounded(0, 1)), ("r", [], .bounded(1, 5)), ("s", [], .lower(0.5)),
            ("u", [], .bounded(-1, 2)), ("v", [], .lower(-3)),
        ])
        #expect(layout.coordinateNames == ["log(a - 2)", "log(3 - b)", "logit(p[1])", "logit(p[2])", "logit((r - 1) / 4)",
                                           "log(s - 0.5)", "logit((u + 1) / 3)", "log(v + 3)"])
    }

    @Test func bindingErrorsNameTheVariableAndFile() throws {
        let g = try Self.schools()
        let ragged = DataSet(["y": .vector([1, 2, 3]), "sigma": .vector([1, 1])], source: "s.json")
        #expect(Self.message { _ = try BoundModel(graph: g, data: ragged) }
            .contains("data file 's.json': 'sigma' has 2 elements but J = 3 (from the elements of y)"))
        let wrongRank = DataSet(["y": .matrix(rows: [[1, 2]]), "sigma": .vector([1, 1])], source: "s.json")
        #expect(Self.message { _ = try BoundModel(graph: g, data: wrongRank) }.contains("'y' has shape [1, 2] but the model declares [J]"))
        let nonFinite = DataSet(["y": .vector([1, .nan]), "sigma": .vector([1, 1])], source: "s.json")
        #expect(Self.message { _ = try BoundModel(graph: g, data: nonFinite) }.contains("'y' element 2 is not finite"))
        let j = DataSet(["J": .integer(4), "y": .vector([1, 2, 3]), "sigma": .vector([1, 1, 1])], source: "s.json")
        #expect(Self.message { _ = try BoundModel(graph: g, data: j) }.contains("'y' has 3 elements but J = 4 (from the data variable J)"))
    }

    @Test func shapeErrorsNameTheNode() throws {
        let g = try ModelBuilder.build("bad") { m in
            let a = m.parameter("a", [2, 3]), b = m.parameter("b", [2, 3])
            m.target(a.matmul(b).sum())
        }
        #expect(Self.message { _ = try BoundModel(graph: g, data: DataSet()) }.contains("(matmul): inner extents differ: [2, 3] · [2, 3]"))
        let idx = try ModelBuilder.build("idx") { m in
            m.target(m.parameter("a", [3])[m.data("g", [2], integer: true)].sum())
        }
        #expect(Self.message { _ = try BoundModel(graph: idx, data: DataSet(["g": .integers([1, 4])])) }
            .contains("index data 'g' element 2 is 4, outside 1…3"))
        #expect(Self.message { _ = try BoundModel(graph: idx, data: DataSet(["g": .vector([1, 1.5])])) }
            .contains("'g' must hold integers, but element 2 is 1.5"))
        let column = try ModelBuilder.build("column") { m in m.target(m.parameter("a", [2, 3]).column().sum()) }
        #expect(Self.message { _ = try BoundModel(graph: column, data: DataSet()) }.contains("(column): column needs a vector, got shape [2, 3]"))
    }

    @Test func broadcastingFollowsNumPy() {
        #expect(ShapeRules.broadcast([2, 3], [3]) == [2, 3])
        #expect(ShapeRules.broadcast([], [4]) == [4])
        #expect(ShapeRules.broadcast([2, 1], [1, 5]) == [2, 5])
        #expect(ShapeRules.broadcast([2, 3], [2]) == nil)
    }

    @Test func layoutUnconstrainsNamedValuesAndRejectsBadOnes() throws {
        let layout = ParameterLayout([("mu", [], .none), ("tau", [], .positive), ("theta", [2], .none)])
        let u = try layout.unconstrain(["mu": [1], "tau": [2], "theta": [3, 4]])
        #expect(u[1] == log(2.0))
        #expect(layout.constrain(u) == [1, 2, 3, 4])
        #expect(Self.message { _ = try layout.unconstrain(["mu": [1], "tau": [-2], "theta": [3, 4]], source: "p.json") }
            .contains("p.json: tau = -2.0 is outside its support <lower=0.0>"))
        #expect(Self.message { _ = try layout.unconstrain(["mu": [1], "tau": [2]]) }.contains("parameter 'theta' is missing"))
        #expect(Self.message { _ = try layout.unconstrain(["mu": [1], "tau": [2], "theta": [3, 4], "z": [0]]) }
            .contains("'z' is not a parameter"))
    }
}

#if canImport(Glibc)
import Glibc
#endif
