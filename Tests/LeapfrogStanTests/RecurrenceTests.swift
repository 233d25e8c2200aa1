import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Loops whose steps depend on each other (`Lowering+Recurrences`): posteriordb's time series
/// compile to recurrences whose graph does not grow with the series, their gradients match
/// finite differences, and bad programs or data get messages that name the variable and line.
@Suite struct RecurrenceTests {
    /// posteriordb's program, or for hmm_example its model without the generated quantities
    /// (a Viterbi decoder: `if` on parameters, which the graph cannot express).
    static func program(_ model: String) throws -> StanModel {
        let path = RepositoryData.path("posteriordb/stan/\(model).stan")
        guard model == "hmm_example" else { return try StanProgram.load(path: path) }
        let source = try String(contentsOfFile: path, encoding: .utf8)
        return try StanProgram.compile(source: String(source[..<source.range(of: "generated quantities")!.lowerBound]), path: path)
    }

    static func load(_ model: String, _ data: String) throws -> (ModelGraph, ReferenceModel) {
        let program = try program(model)
        let (graph, prepared) = try program.instantiate(data: try StanJSON.load(path: RepositoryData.path("posteriordb/\(data).json")))
        return (graph, try ReferenceModel(graph: graph, data: prepared))
    }

    @Test(arguments: [("arK", "arK"), ("arma11", "arma"), ("garch11", "garch"), ("hmm_example", "hmm_example")])
    func posteriordbRecurrencesHaveExactGradients(_ posterior: (String, String)) throws {
        let (graph, model) = try Self.load(posterior.0, posterior.1)
        #expect(!graph.nodes.filter { $0.op == .loop }.isEmpty, "\(posterior.0) lowers to a recurrence")
        var rng = TestRandom(seed: 11)
        for _ in 0..<2 {
            let u = rng.vector(model.dimension, -0.5, 0.5)
            let err = GradientCheck.worstRelativeError(model, at: u)
            #expect(model.logDensity(u).isFinite, "\(posterior.0)")
            #expect(err < GradientCheck.tolerance, "\(posterior.0): relative error \(err)")
        }
    }
}
