import LeapfrogCore
import LeapfrogData
import LeapfrogModel

extension Generator {
    // MARK: Whole trajectories

    /// The model's log density and gradient as a device function,
    /// `realw lf_model_density(const realw* q, realw* grad, __global const real* d_<data>...)`:
    /// the body of the density kernel (`run`) reading the unconstrained point from the private
    /// array `q` and writing the gradient (chain rule through the transforms included) to `grad`;
    /// it returns the log density with the log-Jacobian, as the kernel stores it.
    mutating func runDensityFunction() throws -> String {
        let dimension = model.layout.dimension
        collectDataArguments()
        try emitBody(position: { "q[\($0)]" })
        block("for (int j = 0; j < \(dimension); ++j)") { g in g.emit("grad[j] = gx[j] * dxdu[j] + dlogj[j];") }
        emit("return lp + logj;")
        let parameters = ["const realw* q", "realw* grad"] + dataArguments.map { "__global const real* d_\($0)" }
        return "inline realw lf_model_density(\(parameters.joined(separator: ", "))) {\n"
            + lines.joined(separator: "\n") + "\n}\n"
    }
}
