import LeapfrogCore
import Testing
@testable import LeapfrogModels

struct NameSuggestionTests {
    @Test(arguments: [("", "abc", 3), ("abc", "abc", 0), ("kitten", "sitting", 3),
                      ("eigth", "eight", 1), ("ab", "ba", 1), ("abcd", "acbd", 1), ("ca", "abc", 3)])
    func distanceIsOptimalStringAlignment(_ a: String, _ b: String, _ expected: Int) {
        #expect(NameSuggestion.distance(a, b) == expected)
        #expect(NameSuggestion.distance(b, a) == expected)
    }

    @Test func closestNameWithinTwoEditsOrAUniquePrefix() {
        let names = BuiltinModels.all.map(\.name)
        #expect(NameSuggestion.closest(to: "eigth-schools", among: names) == "eight-schools")
        #expect(NameSuggestion.closest(to: "gausian", among: names) == "gaussian")
        #expect(NameSuggestion.closest(to: "gp", among: names) == "gp-regression")
        #expect(NameSuggestion.closest(to: "BNN", among: names) == "bnn")
        #expect(NameSuggestion.closest(to: "linear", among: names) == "linear-regression")
        #expect(NameSuggestion.closest(to: "eight", among: names) == nil, "two models start with 'eight'")
        #expect(NameSuggestion.closest(to: "zebra", among: names) == nil)
    }

    @Test func unknownModelSuggestsAndStillLists() {
        let m = BuiltinModelsTests.message { _ = try BuiltinModels.named("eigth-schools") }
        #expect(m.hasPrefix("unknown model 'eigth-schools'; did you mean 'eight-schools'? Built-in models: bnn, "), "\(m)")
        #expect(BuiltinModels.all.allSatisfy { m.contains($0.name) })
        let far = BuiltinModelsTests.message { _ = try BuiltinModels.named("zebra") }
        #expect(far.hasPrefix("unknown model 'zebra'; built-in models: "), "\(far)")
    }

    @Test func unknownOptionSuggests() {
        let m = BuiltinModelsTests.message { _ = try BuiltinModels.bnn.instantiate(options: ModelOptions(["width": "5"])) }
        #expect(m.hasPrefix("model 'bnn' has no option 'width'; did you mean 'widths'? (options: activation, biases, "), "\(m)")
        let far = BuiltinModelsTests.message { _ = try BuiltinModels.gaussian.instantiate(options: ModelOptions(["zzz": "1"])) }
        #expect(far == "model 'gaussian' has no option 'zzz' (options: dim, kind)")
    }
}
