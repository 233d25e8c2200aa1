import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogData

/// `CSVTable.dataSet` and the `Standardization` it returns.
@Suite struct CSVDataSet {
    // a: mean 2.5, sample sd √(5/3); b: constant; c: mean 5, sample sd √(26/3); y: labels.
    let table = try! CSVTable.parse("""
        a,b,c,y
        1,10,2,0
        2,10,4,1
        3,10,5,1
        4,10,9,0
        """, source: "t.csv")

    @Test func defaultFeaturesAreAllButTheTarget() throws {
        let (data, standardization) = try table.dataSet(features: nil, target: "y", standardize: false)
        #expect(standardization == nil)
        #expect(data.source == "t.csv")
        #expect(data.names == ["X", "y"])
        #expect(data["X"] == DataArray(shape: [4, 3], values: [1, 10, 2, 2, 10, 4, 3, 10, 5, 4, 10, 9]))
        #expect(data["y"] == DataArray(shape: [4], values: [0, 1, 1, 0]))
    }

    @Test func chosenFeaturesInTheGivenOrderAndNames() throws {
        let (data, _) = try table.dataSet(features: ["c", "a"], target: "b", standardize: false,
                                          featureName: "inputs", targetName: "out")
        #expect(data.names == ["inputs", "out"])
        #expect(data["inputs"] == DataArray(shape: [4, 2], values: [2, 1, 4, 2, 5, 3, 9, 4]))
        #expect(data["out"] == DataArray(shape: [4], values: [10, 10, 10, 10]))
    }

    @Test func standardisationMatchesHandComputedValues() throws {
        let (data, s) = try table.dataSet(features: nil, target: "y", standardize: true)
        let standardization = try #require(s)
        #expect(standardization.columns == ["a", "b", "c"])
        #expect(standardization.means == [2.5, 0, 5])   // b is constant (10): kept as it is
        // √(5/3) = 1.2909944487358056, √(26/3) = 2.943920288775949.
        #expect(abs(standardization.scales[0] - 1.2909944487358056) < 1e-15)
        #expect(standardization.scales[1] == 1)
        #expect(abs(standardization.scales[2] - 2.943920288775949) < 1e-15)

        let x = try #require(data["X"])
        #expect(x.shape == [4, 3])
        let expected: [[Double]] = [
            [-1.161895003862225, 10, -1.0190493307301363],
            [-0.3872983346207417, 10, -0.3396831102433787],
            [0.3872983346207417, 10, 0],
            [1.161895003862225, 10, 1.3587324409735149],
        ]
        for i in 0..<4 {
            for j in 0..<3 {
                #expect(abs(x.values[i * 3 + j] - expected[i][j]) < 1e-14, "X[\(i), \(j)]")
            }
        }
        // The target is never standardised.
        #expect(data["y"]?.values == [0, 1, 1, 0])
    }

    @Test func singleRowIsKeptAsItIs() throws {
        let one = try CSVTable.parse("a,y\n7,1\n", source: "t.csv")
        let (data, s) = try one.dataSet(features: nil, target: "y", standardize: true)
        #expect(s == Standardization(columns: ["a"], means: [0], scales: [1]))
        #expect(data["X"]?.values == [7])
    }

    /// A constant column (an intercept of ones, the bundled BNN data's x0) is kept as it is: centring
    /// made it zeros, and the model silently lost it.
    @Test func aConstantColumnIsKeptAsItIs() throws {
        let t = try CSVTable.parse("one,a,y\n1,0.5,1\n1,2,2\n1,3.5,3\n", source: "t.csv")
        let (data, s) = try t.dataSet(features: nil, target: "y", standardize: true)
        #expect(s?.means == [0, 2] && s?.scales == [1, 1.5])
        #expect(data["X"]?.values == [1, -1, 1, 0, 1, 1])
    }

    @Test func standardizationIsCodable() throws {
        let s = Standardization(columns: ["a", "b"], means: [1.5, -2], scales: [0.25, 1])
        let decoded = try JSONDecoder().decode(Standardization.self, from: JSONEncoder().encode(s))
        #expect(decoded == s)
    }

    @Test func integerTarget() throws {
        let (data, _) = try table.dataSet(features: nil, target: "y", standardize: false, integerTarget: true)
        #expect(data["y"]?.isInteger == true)
        #expect(data["X"]?.isInteger == false)
        let (real, _) = try table.dataSet(features: nil, target: "y", standardize: false)
        #expect(real["y"]?.isInteger == false)
    }

    @Test func integerTargetRejectsFractions() throws {
        let t = try CSVTable.parse("x,label\n1,0\n2,0.5\n", source: "t.csv")
        let error = try leapfrogError { _ = try t.dataSet(features: nil, target: "label", standardize: false, integerTarget: true) }
        #expect(error.message == "t.csv:3:2: column 'label' holds 0.5, not an integer (an integer target such as a class label was asked for)")
    }

    @Test func unknownTargetOrFeature() throws {
        let target = try leapfrogError { _ = try table.dataSet(features: nil, target: "z", standardize: false) }
        #expect(target.message == "t.csv:1: no column 'z'; the columns are a, b, c, y")
        let feature = try leapfrogError { _ = try table.dataSet(features: ["a", "q"], target: "y", standardize: false) }
        #expect(feature.message == "t.csv:1: no column 'q'; the columns are a, b, c, y")
    }

    @Test func badFeatureLists() throws {
        let both = try leapfrogError { _ = try table.dataSet(features: ["a", "y"], target: "y", standardize: false) }
        #expect(both.message == "t.csv:1: column 'y' is both the target and a feature")
        let twice = try leapfrogError { _ = try table.dataSet(features: ["a", "b", "a"], target: "y", standardize: false) }
        #expect(twice.message == "t.csv:1: feature column 'a' is listed twice")
        let none = try leapfrogError { _ = try table.dataSet(features: [], target: "y", standardize: false) }
        #expect(none.message == "t.csv:1: no feature columns (the target is 'y')")
        let onlyTarget = try CSVTable.parse("y\n1\n", source: "t.csv")
        let noneLeft = try leapfrogError { _ = try onlyTarget.dataSet(features: nil, target: "y", standardize: false) }
        #expect(noneLeft.message == "t.csv:1: no feature columns (the target is 'y')")
    }

    @Test func featureAndTargetNamesMustDiffer() throws {
        let error = try leapfrogError {
            _ = try table.dataSet(features: nil, target: "y", standardize: false, featureName: "d", targetName: "d")
        }
        #expect(error.kind == .configuration)
        #expect(error.message == "the feature matrix and the target need different names (both are 'd')")
    }
}
