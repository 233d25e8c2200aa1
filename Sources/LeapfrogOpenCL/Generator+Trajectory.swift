import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    // MARK: Whole trajectories

    /// The model's log density and gradient as a device function, the body of the density kernel
    /// (`run`) reading the unconstrained point from the private array `q` and writing the gradient
    /// (chain rule through the transforms included) to `grad`; it returns the log density with the
    /// log-Jacobian, as the kernel stores it.
    ///
    /// - `chainPerWorkItem`: `realw lf_model_density(const realw* q, realw* grad, __global const
    ///   real* d_<data>...)`, W chains in SIMD lanes.
    /// - `workGroupPerChain(L, K)`: `real lf_model_density(const real* q, real* grad, d_<data>...,
    ///   __local real* lf_scratch, __local real* lf_sums, const int lid)`, called by every
    ///   work-item of a chain's group with the same `q`: work-item `lid` takes rows lid, lid + L,
    ///   ...; the partial gradients and log densities are summed through `lf_scratch` (L·K reals,
    ///   K columns per pass) into `lf_sums` (d + 1 reals) in a fixed order, and every work-item
    ///   returns the same sums, so the group's work-items follow the same trajectory. Every
    ///   work-item must call it (it holds barriers).
    mutating func runDensityFunction() throws -> String {
        let dimension = model.layout.dimension
        collectDataArguments()
        try emitBody(position: { "q[\($0)]" })
        var parameters = ["const realw* q", "realw* grad"] + dataArguments.map { "__global const real* d_\($0)" }
        switch shape {
        case .chainPerWorkItem, .rowsInLanes:
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = gx[j] * dxdu[j] + dlogj[j];") }
            emit("return lp + logj;")
        case .workGroupPerChain(let local, let columns):
            // The barrier closing each pass also orders this call's reads of `lf_scratch` before the
            // next call's writes, and the first barrier of the next call orders every work-item's
            // reads of `lf_sums` before it is rewritten.
            emitWorkGroupReduction(local: local, columns: columns) { column in "lf_sums[\(column)] = s;" }
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = lf_sums[j];") }
            emit("return lf_sums[\(dimension)];")
            parameters += ["__local real* lf_scratch", "__local real* lf_sums", "const int lid"]
        }
        return "inline realw lf_model_density(\(parameters.joined(separator: ", "))) {\n"
            + lines.joined(separator: "\n") + "\n}\n"
    }
}
