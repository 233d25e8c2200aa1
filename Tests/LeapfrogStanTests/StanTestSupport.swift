import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Compiles `source` and binds it to `data` on the CPU reference.
func stanReference(_ source: String, _ data: DataSet, path: String = "test.stan") throws -> ReferenceModel {
    let model = try StanProgram.compile(source: source, path: path)
    let (graph, prepared) = try model.instantiate(data: data)
    return try ReferenceModel(graph: graph, data: prepared)
}

/// The message of the error `body` throws, or "" when it throws none.
func errorMessage(_ body: () throws -> Void) -> String {
    do { try body(); return "" } catch let e as LeapfrogError { return e.message } catch { return "\(error)" }
}

/// The compile error of `source`.
func compileError(_ source: String) -> String {
    errorMessage { _ = try StanProgram.compile(source: source, path: "m.stan") }
}

/// Checks that two models agree at random unconstrained points: differences of log densities
/// between points within 1e-9 relative (the constants may differ: Stan-style `~` versus the
/// reference's half-distributions), gradients within 1e-8 relative, and the Stan model's
/// gradient against finite differences.
func expectEquivalent(_ stan: ReferenceModel, _ reference: ReferenceModel, points: Int = 5, seed: UInt64 = 1,
                      scale: Double = 1, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(stan.dimension == reference.dimension, sourceLocation: sourceLocation)
    guard stan.dimension == reference.dimension else { return }
    var rng = TestRandom(seed: seed)
    let base = rng.vector(stan.dimension, -scale, scale)
    let (s0, r0) = (stan.logDensity(base), reference.logDensity(base))
    #expect(s0.isFinite && r0.isFinite, sourceLocation: sourceLocation)
    for _ in 0..<points {
        let u = rng.vector(stan.dimension, -scale, scale)
        let (ls, gs) = stan.logDensityAndGradient(u)
        let (lr, gr) = reference.logDensityAndGradient(u)
        let (ds, dr) = (ls - s0, lr - r0)
        #expect(abs(ds - dr) <= 1e-9 * max(1, abs(dr)), "log-density difference \(ds) vs \(dr)", sourceLocation: sourceLocation)
        let worst = zip(gs, gr).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= 1e-8, "gradient differs by \(worst) (relative)", sourceLocation: sourceLocation)
        #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance, sourceLocation: sourceLocation)
    }
}

/// A data set of random regression data: `X` [n, d], real `y` [n], and the sizes `N`, `D`.
func regressionData(n: Int, d: Int, seed: UInt64, integerOutcome: Bool = false) -> DataSet {
    var rng = TestRandom(seed: seed)
    let x = (0..<n).map { _ in rng.vector(d, -2, 2) }
    let y: DataArray = integerOutcome ? .integers((0..<n).map { _ in rng.uniform() > 0 ? 1 : 0 }) : .vector(rng.vector(n, -3, 3))
    return DataSet(["X": .matrix(rows: x), "y": y, "N": .integer(n), "D": .integer(d)], source: "test")
}
