import Testing
@testable import LeapfrogDiagnostics

@Suite struct RankECDFTests {
    @Test func hypergeometricCDF() {
        // 10 items, 4 marked, draw 3: P(C = c) = C(4,c)C(6,3−c)/C(10,3) = 20, 60, 36, 4 over 120.
        let cdf = RankECDF.hypergeometricCDF(population: 10, successes: 4, drawn: 3)
        let expected = [20.0, 80, 116, 120, 120].map { $0 / 120 }
        for (a, b) in zip(cdf, expected) { #expect(abs(a - b) < 1e-12) }
    }

    @Test func sameDistributionStaysInTheBand() {
        let x = KernelDensityTests.normals(4000, seed: 5)
        let groups = (0..<4).map { Array(x[($0 * 1000)..<(($0 + 1) * 1000)]) }
        let ecdf = RankECDF(groups: groups, points: 40, level: 0.95)
        #expect(ecdf.isInsideBand)
        #expect(ecdf.points.first == 0 && ecdf.points.last == 1 && ecdf.points.count == 41)
        // The simultaneous band needs a pointwise level well below 1 − 0.95.
        #expect(ecdf.gamma > 0 && ecdf.gamma < 0.05)
        // The band contains 0 and is roughly symmetric.
        for i in 1..<40 { #expect(ecdf.lower[i] < 0 && ecdf.upper[i] > 0) }
        // Differences of all groups sum to 0 at every point (the pooled ECDF is uniform).
        for i in ecdf.points.indices {
            #expect(abs(ecdf.differences.reduce(0) { $0 + $1[i] }) < 0.03)
        }
    }

    @Test func aShiftedGroupLeavesTheBand() {
        let x = KernelDensityTests.normals(2000, seed: 9)
        var groups = (0..<4).map { Array(x[($0 * 500)..<(($0 + 1) * 500)]) }
        groups[2] = groups[2].map { $0 + 0.5 }
        let ecdf = RankECDF(groups: groups)
        #expect(!ecdf.isInsideBand)
        // The shifted group has high ranks: its ECDF lies below the uniform.
        #expect(ecdf.differences[2].min()! < ecdf.lower.min()!)
    }

    @Test func reproducible() {
        let x = KernelDensityTests.normals(600, seed: 1)
        let g = [Array(x[0..<300]), Array(x[300...])]
        #expect(RankECDF(groups: g) == RankECDF(groups: g))
    }
}
