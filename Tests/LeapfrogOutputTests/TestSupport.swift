import Foundation
import LeapfrogCore
@testable import LeapfrogOutput

/// A fresh empty directory under the system temporary directory, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("leapfrog-output-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// Where tests also leave sample outputs for `scripts/check_arviz_reads.py`, when the
/// environment variable `LEAPFROG_OUTPUT_CHECK_DIR` names a directory.
let checkDirectory: String? = ProcessInfo.processInfo.environment["LEAPFROG_OUTPUT_CHECK_DIR"]

/// The schema the round-trip tests use: a matrix, a scalar and a vector.
let testSchema = DrawSchema(
    variables: [.init("W1", [3, 2]), .init("prec"), .init("theta", [4])], chains: 3, plannedDraws: 7)

/// Deterministic, awkward values for chain `c`, draw `d`, flat slot `k`: digits that need all
/// 17 significant figures, tiny and huge magnitudes, negative zero and non-finite values.
func testValue(chain c: Int, draw d: Int, slot k: Int) -> Double {
    switch (c * 131 + d * 17 + k) % 11 {
    case 0: return Double(c) - 0.1 * Double(d) + 1.0 / 3.0 * Double(k)
    case 1: return -Double(k + 1) * 1e-300 * Double(d + 1)
    case 2: return 1.7976931348623157e308 / Double(c + 2)
    case 3: return Double(d * 1000 + k)
    case 4: return -0.0
    case 5 where d == 2 && c == 1: return .nan
    case 6 where d == 3: return c == 0 ? .infinity : -.infinity
    default: return sin(Double(c * 7 + d * 3 + k)) * pow(10, Double((k % 7) - 3))
    }
}

func testDraw(_ schema: DrawSchema, draw d: Int) -> [[Double]] {
    (0..<schema.chains).map { c in (0..<schema.flatCount).map { k in testValue(chain: c, draw: d, slot: k) } }
}

func testStats(_ schema: DrawSchema, draw d: Int) -> SampleStatistics {
    let cs = 0..<schema.chains
    return SampleStatistics(
        lp: cs.map { -Double($0) - 0.25 * Double(d) - 1e-9 },
        acceptanceRate: cs.map { Double(($0 + d) % 10) / 10 },
        stepSize: cs.map { 0.5 + Double($0) / 7 },
        treeDepth: cs.map { ($0 + d) % 5 },
        nSteps: cs.map { 1 << (($0 + d) % 5) },
        diverging: cs.map { ($0 + d) % 4 == 0 },
        energy: cs.map { Double($0) + 1.0 / Double(d + 3) })
}

/// Bitwise equality, so NaN equals NaN and −0 differs from +0.
func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
