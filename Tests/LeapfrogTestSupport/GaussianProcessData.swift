import Foundation
import LeapfrogData

/// Data for `ClassicModels.gpRegression` of any size: `points` inputs evenly spaced on
/// [−1.3, 1.3] (the bundled example's range), y = sin(3x) plus Uniform(−0.1, 0.1) noise, and a
/// prediction grid of `grid` points on the same range (none when 0).
public enum GaussianProcessData {
    public static func points(_ points: Int, grid: Int = 0, seed: UInt64 = 3) -> DataSet {
        var random = TestRandom(seed: seed)
        let x = spaced(points)
        var data = DataSet(["x": .vector(x), "y": .vector(x.map { sin(3 * $0) + random.uniform(-0.1, 0.1) })],
                           source: "GaussianProcessData.points(\(points))")
        if grid > 0 { data["x_grid"] = .vector(spaced(grid)) }
        return data
    }

    private static func spaced(_ n: Int) -> [Double] {
        (0..<n).map { n == 1 ? 0 : -1.3 + 2.6 * Double($0) / Double(n - 1) }
    }
}
