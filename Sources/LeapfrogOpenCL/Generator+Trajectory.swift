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
    /// - `chainPerWorkItem`: `realt lf_model_density(const realt* q, realt* grad, __global const
    ///   real* d_<data>...)`, W chains in SIMD lanes (`realt` is `realw`).
    /// - `rowsInLanes`: the same signature over one chain's scalars (`realt` is `real`); inside,
    ///   the chain's values fill every lane and the plate's rows run W at a time.
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
        // The transition's types (`realt`): with the rows in lanes a chain's scalars, broadcast to
        // the lanes on the way in; after the row loops every lane holds the sums, lane 0 goes out.
        let lanes = rowLanes
        try emitBody(position: { lanes ? "SPLAT(q[\($0)])" : "q[\($0)]" })
        var parameters = ["const realt* q", "realt* grad"] + dataArguments.map(Generator.dataParameter)
        switch shape {
        case .chainPerWorkItem:
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = gx[j] * dxdu[j] + dlogj[j];") }
            emit("return lp + logj;")
        case .rowsInLanes:
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = (gx[j] * dxdu[j] + dlogj[j]).s0;") }
            emit("return (lp + logj).s0;")
        case .workGroupPerChain(let local, let columns):
            // The barrier closing each pass also orders this call's reads of `lf_scratch` before the
            // next call's writes, and the first barrier of the next call orders every work-item's
            // reads of `lf_sums` before it is rewritten.
            emitWorkGroupReduction(local: local, columns: columns) { column in "lf_sums[\(column)] = s;" }
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = lf_sums[j];") }
            emit("return lf_sums[\(dimension)];")
            parameters += ["__local real* lf_scratch", "__local real* lf_sums", "const int lid"]
        }
        return "inline realt lf_model_density(\(parameters.joined(separator: ", "))) {\n"
            + lines.joined(separator: "\n") + "\n}\n"
    }
}
