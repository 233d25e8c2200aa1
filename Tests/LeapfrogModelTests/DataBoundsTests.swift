import Foundation
import LeapfrogCore
import LeapfrogData
import Testing
@testable import LeapfrogModel

struct DataBoundsTests {
    /// Labels 1…K with K ≥ 2 from the data, and a positive scale.
    static func graph() throws -> ModelGraph {
        try ModelBuilder.build("labels") { m in
            let y = m.data("y", ["N"], integer: true, bounds: .range(1, "K"))
            m.declareData("K", integer: true, bounds: .atLeast(2))
            let s = m.data("s", ["N"], bounds: .positive)
            let mu = m.parameter("mu")
            m.sample(mu, .normal(0, 1))
            m.sample(s, .normal(mu, 1), plate: "N")
            _ = y
        }
    }

    static func bindingError(_ data: DataSet) throws -> String {
        ModelGraphTests.message { _ = try BoundModel(graph: try Self.graph(), data: data) }
    }

    static func data(y: [Int] = [1, 3, 2], k: Int = 3, s: [Double] = [0.5, 1, 2]) -> DataSet {
        DataSet(["y": .integers(y), "K": .integer(k), "s": .vector(s)], source: "d.json")
    }

    @Test func valuesInsideTheirBoundsBind() throws {
        let bound = try BoundModel(graph: try Self.graph(), data: Self.data())
        #expect(bound.extents["N"] == 3)
    }

    /// The message of a Stan program's bounds, prefixed by the model and the data file.
    @Test func valuesOutsideTheirBoundsAreRefusedWithStansMessage() throws {
        #expect(try Self.bindingError(Self.data(s: [0.5, 1, -18])) == "model 'labels', data file 'd.json': 's' element 3 is -18.0, below its lower bound 0")
        #expect(try Self.bindingError(Self.data(s: [0, 1, 2])) == "model 'labels', data file 'd.json': 's' element 1 is 0.0, at its exclusive lower bound 0")
        #expect(try Self.bindingError(Self.data(y: [1, 4, 2])) == "model 'labels', data file 'd.json': 'y' element 2 is 4, above its upper bound K = 3")
        #expect(try Self.bindingError(Self.data(y: [1, 0, 1])) == "model 'labels', data file 'd.json': 'y' element 2 is 0, below its lower bound 1")
        #expect(try Self.bindingError(Self.data(y: [1, 1, 1], k: 1)) == "model 'labels', data file 'd.json': 'K' is 1, below its lower bound 2")
    }

    @Test func aBoundBySymbolThatNoDataFixesIsNamed() throws {
        let g = try ModelBuilder.build("m") { m in
            let y = m.data("y", ["N"], bounds: .range(0, "M"))
            let mu = m.parameter("mu")
            m.sample(y, .normal(mu, 1), plate: "N")
        }
        let message = ModelGraphTests.message { _ = try BoundModel(graph: g, data: DataSet(["y": .vector([1, 2])])) }
        #expect(message.contains("the upper bound M of 'y' is not fixed by any data"), "\(message)")
    }

    @Test func boundsRoundTripThroughJSONAndAreOmittedWhenAbsent() throws {
        let g = try Self.graph()
        let json = try g.jsonString()
        let back = try ModelGraph.fromJSON(json)
        #expect(back == g)
        #expect(back.dataDeclaration(named: "s")?.bounds == .positive)
        #expect(back.dataDeclaration(named: "y")?.bounds == .range(1, "K"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plain = String(decoding: try encoder.encode(DataDeclaration(name: "y", shape: ["N"])), as: UTF8.self)
        #expect(plain == #"{"integer":false,"name":"y","optional":false,"shape":["N"]}"#)
    }

    @Test func boundsAreReadFromHandWrittenJSON() throws {
        let text = #"{"name":"x","data":[{"name":"sigma","shape":["J"],"lower":0,"strict":true},{"name":"p","upper":1.5}],"nodes":[]}"#
        let g = try ModelGraph.fromJSON(text)
        #expect(g.data[0].bounds == DataBounds(lower: 0, strict: true))
        #expect(g.data[1].bounds == DataBounds(upper: 1.5))
        let crossed = #"{"name":"x","data":[{"name":"p","lower":2,"upper":1}],"nodes":[]}"#
        #expect(ModelGraphTests.message { _ = try ModelGraph.fromJSON(crossed) }.contains("data 'p' has lower bound 2.0 not below upper bound 1.0"))
    }

    @Test func identifiableQuantitiesRoundTripAndMustExist() throws {
        var g = try ModelGraphTests.schools()
        #expect(g.identifiable == nil)
        #expect(!(try g.jsonString()).contains("identifiable"))
        g.identifiable = ["mu", "tau", ModelGraph.logDensityName]
        let back = try ModelGraph.fromJSON(try g.jsonString())
        #expect(back == g)
        g.identifiable = ["mu", "sigma_typo"]
        #expect(ModelGraphTests.message { try g.validate() }.contains("'identifiable' names 'sigma_typo', which is not a parameter"))
    }
}
