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
        case .chainPerWorkItem:
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = gx[j] * dxdu[j] + dlogj[j];") }
            emit("return lp + logj;")
        case .workGroupPerChain(let local, let columns):
            emitGroupSums(local: local, columns: columns)
            block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = lf_sums[j];") }
            emit("return lf_sums[\(dimension)];")
            parameters += ["__local real* lf_scratch", "__local real* lf_sums", "const int lid"]
        }
        return "inline realw lf_model_density(\(parameters.joined(separator: ", "))) {\n"
            + lines.joined(separator: "\n") + "\n}\n"
    }

    /// The work-group's sums of the partial gradients (after the chain rule; the log-Jacobian and
    /// its derivative counted once, by work-item 0) and log densities into `lf_sums[0...d]`,
    /// `columns` values per pass through `lf_scratch`: work-item t sums columns t, t + local, ...
    /// over the work-items in order (as `emitWorkGroupReduction`, which stores them instead). The
    /// barrier closing each pass also orders this call's reads of `lf_scratch` before the next
    /// call's writes, and the first barrier of the next call orders every work-item's reads of
    /// `lf_sums` before it is rewritten.
    mutating func emitGroupSums(local: Int, columns: Int) {
        let dimension = model.layout.dimension
        block("for (int j0 = 0; j0 <= \(dimension); j0 += \(columns))") { g in
            g.block("for (int j = 0; j < \(columns); ++j)") { h in
                h.emit("const int jj = j0 + j;")
                h.emit("real v = 0.0;")
                if dimension > 0 {
                    h.emit("if (jj < \(dimension)) v = gx[jj] * dxdu[jj] + (lid == 0 ? dlogj[jj] : 0.0);")
                    h.emit("else if (jj == \(dimension)) v = lp + (lid == 0 ? logj : 0.0);")
                } else {
                    h.emit("if (jj == 0) v = lp + (lid == 0 ? logj : 0.0);")
                }
                h.emit("lf_scratch[j * \(local) + lid] = v;")
            }
            g.emit("barrier(CLK_LOCAL_MEM_FENCE);")
            g.block("for (int j = lid; j < \(columns) && j0 + j <= \(dimension); j += \(local))") { h in
                h.emit("real s = 0.0;")
                h.emit("for (int t = 0; t < \(local); ++t) s += lf_scratch[j * \(local) + t];")
                h.emit("lf_sums[j0 + j] = s;")
            }
            g.emit("barrier(CLK_LOCAL_MEM_FENCE);")
        }
    }
}
