import LeapfrogData
import Testing
@testable import LeapfrogStan

/// Malformed programs give errors, never crashes.
@Suite struct RobustnessTests {
    static let corpus = [StanCorpus.eightSchoolsNoncentered, StanCorpus.eightSchoolsCentered, StanCorpus.linearRegressionLoop,
                         StanCorpus.hierarchicalAssign, StanCorpus.gpPredictive, StanCorpus.poissonGLM, StanCorpus.bnnLoop]

    @Test func everyPrefixOfTheCorpusCompilesOrFailsCleanly() {
        var failures = 0
        for source in Self.corpus {
            let chars = Array(source)
            for end in stride(from: 0, to: chars.count, by: 2) {
                if !compileError(String(chars[..<end])).isEmpty { failures += 1 }
            }
        }
        #expect(failures > 100)
    }

    @Test func deletingAnyTokenNeverCrashes() {
        for source in Self.corpus {
            let words = source.split(separator: " ", omittingEmptySubsequences: false)
            for k in words.indices {
                var w = words
                w.remove(at: k)
                _ = compileError(w.joined(separator: " "))
            }
        }
    }

    @Test func dataOfTheWrongShapeNeverCrashes() throws {
        let model = try StanProgram.compile(source: StanCorpus.hierarchical, path: "h.stan")
        let cases: [DataSet] = [
            DataSet(),
            DataSet(["N": .integer(2), "G": .integer(2), "g": .integers([1, 3]), "x": .vector([1, 2]), "y": .vector([1, 2])]),
            DataSet(["N": .integer(2), "G": .integer(2), "g": .vector([1, 2.5]), "x": .vector([1, 2]), "y": .vector([1, 2])]),
            DataSet(["N": .integer(2), "G": .integer(2), "g": .integers([1, 2]), "x": .matrix(rows: [[1], [2]]), "y": .vector([1, 2])]),
            DataSet(["N": .integer(0), "G": .integer(1), "g": .integers([]), "x": .vector([]), "y": .vector([])]),
        ]
        #expect(errorMessage { _ = try model.instantiate(data: cases[1]) }.contains("'g' element 2 is 3, above its upper bound 2.0"))
        for data in cases.dropLast() {
            #expect(!errorMessage { _ = try model.instantiate(data: data) }.isEmpty)
        }
        // Whole numbers written as reals are accepted as integers.
        let reals = DataSet(["N": .integer(2), "G": .integer(2), "g": .vector([1, 2]), "x": .vector([1, 2]), "y": .vector([1, 2])])
        let (graph, data) = try model.instantiate(data: reals)
        #expect(data["g"]?.isInteger == true && graph.dataDeclaration(named: "g")?.integer == true)
    }
}
