import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogData

/// Loads the real data sets bundled in the repository's `data/` folder.
@Suite struct RepositoryDataFiles {
    @Test func bnnToy() throws {
        let table = try CSVTable.load(path: repositoryDataPath("bnn_toy.csv"))
        #expect(table.columnNames == ["x0", "x1", "x2", "y"])
        #expect(table.rowCount == 100)
        let (data, standardization) = try table.dataSet(features: nil, target: "y", standardize: false)
        #expect(standardization == nil)
        let x = try #require(data["X"])
        #expect(x.shape == [100, 3])
        #expect(Array(x.values.prefix(3)) == [1, -1, 1])
        #expect(data["y"]?.values.first == 1.04000103)
        #expect(data["y"]?.shape == [100])
    }

    @Test func breastCancerStandardised() throws {
        let table = try CSVTable.load(path: repositoryDataPath("uci/breast_cancer.csv"))
        #expect(table.rowCount == 569)
        #expect(table.columnNames.count == 31)
        #expect(table.columnNames.first == "mean_radius")
        let (data, s) = try table.dataSet(features: nil, target: "malignant", standardize: true, integerTarget: true)
        let standardization = try #require(s)
        #expect(standardization.columns == Array(table.columnNames.dropLast()))
        let y = try #require(data["y"])
        #expect(y.isInteger)
        #expect(y.values.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(y.values.reduce(0, +) == 212)
        let x = try #require(data["X"])
        #expect(x.shape == [569, 30])
        #expect(abs(x.values[0] - (17.99 - standardization.means[0]) / standardization.scales[0]) < 1e-12)
        for j in 0..<30 {
            let column = stride(from: j, to: x.values.count, by: 30).map { x.values[$0] }
            let mean = column.reduce(0, +) / 569
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 568
            #expect(abs(mean) < 1e-12, "column \(j) mean")
            #expect(abs(variance - 1) < 1e-12, "column \(j) variance")
        }
    }

    @Test func eightSchools() throws {
        let data = try StanJSON.load(path: repositoryDataPath("posteriordb/eight_schools.json"))
        #expect(data.names == ["J", "sigma", "y"])
        #expect(data["J"] == .integer(8))
        #expect(data["y"] == .integers([28, 8, -3, 7, -1, 1, 18, 12]))
        #expect(data["sigma"] == .integers([15, 10, 16, 11, 9, 11, 10, 18]))
    }

    @Test func diamonds() throws {
        let data = try StanJSON.load(path: repositoryDataPath("posteriordb/diamonds.json"))
        #expect(data["N"] == .integer(5000))
        #expect(data["K"] == .integer(25))
        let x = try #require(data["X"])
        #expect(x.shape == [5000, 25])
        #expect(!x.isInteger)
        #expect(Array(x.values.prefix(3)) == [1, 0.82, 1.79175946922805])
        #expect(x.values.last == 1.92537182996336)
        #expect(data["Y"]?.shape == [5000])
        #expect(data["Y"]?.values.first == 7.99260665240021)
        // Encoding and parsing again gives the same data.
        #expect(try StanJSON.parse(StanJSON.encode(data), source: data.source) == data)
    }

    @Test(arguments: ["gp_toy.csv", "uci/diabetes.csv", "uci/digits.csv"])
    func otherCSVFilesLoad(file: String) throws {
        let table = try CSVTable.load(path: repositoryDataPath(file))
        #expect(table.rowCount > 0)
    }

    @Test(arguments: ["earnings", "gp_pois_regr", "kidiq", "kilpisjarvi_mod", "nes1972", "sblrc", "sblri"])
    func otherJSONFilesLoad(name: String) throws {
        let data = try StanJSON.load(path: repositoryDataPath("posteriordb/\(name).json"))
        #expect(!data.variables.isEmpty)
    }
}
