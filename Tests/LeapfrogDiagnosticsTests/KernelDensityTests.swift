#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import LeapfrogDiagnostics

@Suite struct KernelDensityTests {
    /// Deterministic standard normal draws (Box–Muller on an LCG).
    static func normals(_ n: Int, seed: UInt64 = 7) -> [Double] {
        var s = seed
        func u() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return (Double(s >> 11) + 0.5) / Double(1 << 53)
        }
        return (0..<n).map { _ in (-2 * log(u())).squareRoot() * cos(2 * .pi * u()) }
    }

    @Test func oneDrawIsANormalDensityOfTheBandwidth() {
        let kde = KernelDensity([2], bandwidth: .fixed(0.5), points: 101)
        for (g, f) in zip(kde.grid, kde.density) {
            let expected = exp(-0.5 * pow((g - 2) / 0.5, 2)) / (0.5 * (2 * Double.pi).squareRoot())
            #expect(abs(f - expected) < 1e-12)
        }
        #expect(abs(kde.grid.first! - 0.5) < 1e-12 && abs(kde.grid.last! - 3.5) < 1e-12)
    }

    @Test func bandwidthRules() {
        // x = 1…10: sd = √(55/6) = 3.0277, IQR (type 7) = 7.75 − 3.25 = 4.5, 4.5/1.34 = 3.358.
        let x = (1...10).map(Double.init)
        let sd = (55.0 / 6).squareRoot()
        #expect(abs(KernelDensity.silverman(sorted: x) - 0.9 * sd * pow(10, -0.2)) < 1e-12)
        #expect(abs(KernelDensity.scott(sorted: x) - sd * pow(10, -0.2)) < 1e-12)
        // Heavy tails: the IQR term takes over.
        let tails = [-100.0, 0, 1, 2, 3, 4, 5, 6, 7, 100]
        let iqr = 5.75 - 1.25
        #expect(abs(KernelDensity.silverman(sorted: tails) - 0.9 * iqr / 1.34 * pow(10, -0.2)) < 1e-12)
    }

    @Test func integratesToOneAndFindsTheNormal() {
        let x = Self.normals(5000)
        let kde = KernelDensity(x, points: 400)
        let dx = kde.grid[1] - kde.grid[0]
        let integral = kde.density.reduce(0, +) * dx
        #expect(abs(integral - 1) < 1e-3)
        // Near 0 the estimate is close to φ(0) = 0.3989 (bias h²/2·φ'' is ~1 % here).
        let i = kde.grid.indices.min { abs(kde.grid[$0]) < abs(kde.grid[$1]) }!
        #expect(abs(kde.density[i] - 0.3989) < 0.03)
    }

    @Test func binnedEvaluationAgreesWithTheExactSum() {
        let x = Self.normals(40_000, seed: 3)           // 40,000 × 200 > 4·10⁶: binned
        let binned = KernelDensity(x, points: 200)
        let exact = KernelDensity(Array(x), bandwidth: .fixed(binned.bandwidth), points: 200)
        // Same grid; the exact path is taken for n·points ≤ 4·10⁶ only, so compare with a direct sum.
        let h = binned.bandwidth
        for j in stride(from: 0, to: 200, by: 17) {
            let g = binned.grid[j]
            let direct = x.reduce(0) { $0 + exp(-0.5 * pow((g - $1) / h, 2)) } / (Double(x.count) * h * (2 * Double.pi).squareRoot())
            #expect(abs(binned.density[j] - direct) < 2e-3, "at \(g): \(binned.density[j]) vs \(direct)")
        }
        #expect(exact.grid.count == 200)
    }

    @Test func constantAndEmptyDraws() {
        let spike = KernelDensity([3, 3, 3])
        #expect(spike.bandwidth > 0 && spike.density.allSatisfy(\.isFinite))
        #expect(KernelDensity([.nan]).grid.isEmpty)
    }
}
