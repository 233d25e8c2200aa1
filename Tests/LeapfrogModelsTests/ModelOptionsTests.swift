import LeapfrogCore
import Testing
@testable import LeapfrogModels

struct ModelOptionsTests {
    /// Commas split options only where `identifier=` follows; a comma inside a value stays.
    @Test(arguments: [
        (["dim=100,kind=ill-conditioned"], ["dim": "100", "kind": "ill-conditioned"]),
        (["widths=5,5"], ["widths": "5,5"]),
        (["widths=5,5,biases=true"], ["widths": "5,5", "biases": "true"]),
        (["features=a,b_2,target=y", "standardize=false"], ["features": "a,b_2", "target": "y", "standardize": "false"]),
        (["features=x1,x2"], ["features": "x1,x2"]),
        (["widths=4,3,2,activation=relu"], ["widths": "4,3,2", "activation": "relu"]),
    ])
    func commasSplitOptionsOnlyBeforeAKey(_ arguments: [String], _ expected: [String: String]) throws {
        #expect(try ModelOptions(parsing: arguments).values == expected)
    }

    /// The README's ChEES example: `--model-option dim=100,kind=ill-conditioned`.
    @Test func theReadmeGaussianExampleInstantiates() throws {
        let inst = try BuiltinModels.gaussian.instantiate(options: try ModelOptions(parsing: ["dim=100,kind=ill-conditioned"]))
        let sd = try #require(inst.data["sd"]?.values)
        #expect(sd.count == 100)
        #expect(sd.last! / sd.first! > 99)
    }

    @Test func aKeyGivenTwiceIsAnError() {
        for arguments in [["dim=3", "dim=4"], ["dim=3,kind=iid,dim=4"]] {
            #expect(BuiltinModelsTests.message { _ = try ModelOptions(parsing: arguments) }
                    == "model option 'dim' is given twice (dim=3 and dim=4)", "\(arguments)")
        }
    }

    @Test func aMalformedOptionIsNamed() {
        #expect(BuiltinModelsTests.message { _ = try ModelOptions(parsing: ["=3"]) } == "model option '=3' is not of the form key=value")
        #expect(BuiltinModelsTests.message { _ = try ModelOptions(parsing: ["dim"]) } == "model option 'dim' is not of the form key=value")
    }

    /// A prior scale of 0 or below is named (it left no finite log density: "no finite log
    /// density after 100 initial points").
    @Test(arguments: ["gp-regression", "linear-regression"])
    func aPriorScaleMustBePositive(_ model: String) throws {
        for value in ["0", "-5"] {
            let message = BuiltinModelsTests.message {
                _ = try BuiltinModels.named(model).instantiate(options: try ModelOptions(parsing: ["prior_scale=\(value)"]))
            }
            #expect(message == "model option prior_scale=\(value): expected a positive scale", "\(model): \(message)")
        }
    }
}
