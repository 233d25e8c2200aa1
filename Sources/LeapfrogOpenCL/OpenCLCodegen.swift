import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// Generates one OpenCL kernel that evaluates a model's log density and its gradient for W chains
/// per work-item, with reverse-mode differentiation written out in the kernel.
///
/// Kernel:
/// `NAME(__global const real* position, __global real* gradient, __global real* log_density,
///       __global const real* d_<data>..., const int stride)`;
/// positions and gradients chain-fastest (`position[j * stride + c]`), `log_density[c]`; the log
/// density includes the log-Jacobians of the parameter transforms (as `BatchedLogDensity` says).
///
/// Structure of the generated code:
/// 1. load the unconstrained values, constrain them (`x`), log-Jacobian and its derivative;
/// 2. forward pass over the nodes that do not depend on plate rows (private arrays `vN[]`);
/// 3. the terms: a plain term adds its log density and its partials to the adjoints; a plate term
///    becomes a loop over rows that, per row, runs the row-dependent nodes forward, adds the row's
///    log density, and runs those nodes backward into the shared adjoints (nothing of size N is
///    ever held);
/// 4. backward pass over the shared nodes, then the chain rule through the transforms.
///
/// Every operation and distribution of the model graph is supported, each node held in private
/// arrays (`realw vN[count]`), or where those would exceed a CPU's private memory the largest
/// in the device heap (`DeviceHeap`: a GP's N×N covariance beyond about 57 points). Not
/// supported, with a `.model` error that says so (the caller can fall back to the CPU reference):
/// terms over two different plates, reductions (sum, mean, transpose, linear algebra,
/// multi_normal_cholesky) of row-dependent values inside a plate, and row-dependent values
/// reaching a non-plate term.
public enum OpenCLCodegen {
    public static func generate(_ model: BoundModel, kernelName: String = "log_density_gradient",
                                shape: LaunchShape = .chainPerWorkItem) throws -> GeneratedKernel {
        if case .workGroupPerChain(let local, let columns) = shape {
            precondition(local >= 1 && columns >= 1, "workGroupPerChain: sizes must be positive")
        }
        return try generating(model, shape: shape, source: \.source) { try $0.run(kernelName: kernelName) }
    }

    /// `body`'s generation with every array private, or, when the kernel's private memory
    /// (`OpenCLLogDensity.privateBytes` at `Generator.widestElementBytes` an element) would exceed
    /// `OpenCLLogDensity.cpuPrivateBudget`, again with the largest arrays in the device heap
    /// (`Generator.heapDeclarations`). Generating is cheap (text); only one result is built.
    static func generating<T>(_ model: BoundModel, shape: LaunchShape, source: (T) -> String,
                              _ body: (inout Generator) throws -> T) throws -> T {
        var generator = try Generator(model, shape: shape)
        let made = try body(&generator)
        let lanes = Generator.widestElementBytes / MemoryLayout<Float>.size
        let bytes = OpenCLLogDensity<Float>.privateBytes(source(made), width: lanes, transitionLanes: lanes)
        let excess = (bytes - Generator.cpuPrivateBudget + Generator.widestElementBytes - 1) / Generator.widestElementBytes
        let heap = Generator.heapDeclarations(sizes: generator.arraySizes, excess: excess)
        guard !heap.isEmpty else { return made }
        var second = try Generator(model, shape: shape)
        second.heapDeclarations = heap
        return try body(&second)
    }

    /// The kernel computing what a draw records (constrained parameters, derived quantities) for
    /// every chain, and how many values that is per chain (see `Generator.runRecorded`).
    public static func generateRecorded(_ model: BoundModel, kernelName: String = "recorded_values") throws
        -> (kernel: GeneratedKernel, outputs: Int) {
        try generating(model, shape: .chainPerWorkItem, source: \.kernel.source) { try $0.runRecorded(kernelName: kernelName) }
    }

    /// The whole-trajectory HMC kernel of a model for a splitting integrator's palindromic
    /// `coefficients` (see `TrajectorySource`), named `TrajectorySource.kernelName`.
    /// `shape`: W chains per work-item, or a work-group per chain sharing out the plate rows.
    public static func generateTrajectory(_ model: BoundModel, coefficients: [Double],
                                          shape: LaunchShape = .chainPerWorkItem) throws -> GeneratedKernel {
        precondition(coefficients.count % 2 == 1, "generateTrajectory: an odd number of integrator coefficients")
        return try generating(model, shape: shape, source: \.source) { generator in
            let function = try generator.runDensityFunction()
            let source = TrajectorySource(dimension: model.layout.dimension, coefficients: coefficients,
                                          densityFunction: function, dataArguments: generator.dataArguments, shape: shape).source
            return generator.finished(GeneratedKernel(source: source, kernelName: TrajectorySource.kernelName,
                                                      libraryFiles: ["philox", "activations", "distributions"],
                                                      dataArguments: generator.dataArguments, dimension: model.layout.dimension,
                                                      shape: shape))
        }
    }

    /// The whole-transition NUTS kernel of a model for at most `maxDepth` doublings of the
    /// integrator with `coefficients` (see `NUTSSource`), named `NUTSSource.kernelName`.
    public static func generateNUTS(_ model: BoundModel, maxDepth: Int, coefficients: [Double],
                                    shape: LaunchShape = .chainPerWorkItem) throws -> GeneratedKernel {
        precondition(coefficients.count % 2 == 1 && maxDepth >= 0, "generateNUTS: bad integrator or depth")
        return try generating(model, shape: shape, source: \.source) { generator in
            let function = try generator.runDensityFunction()
            let source = NUTSSource(dimension: model.layout.dimension, maxDepth: maxDepth, coefficients: coefficients,
                                    densityFunction: function, dataArguments: generator.dataArguments, shape: shape).source
            return generator.finished(GeneratedKernel(source: source, kernelName: NUTSSource.kernelName,
                                                      libraryFiles: ["philox", "activations", "distributions"],
                                                      dataArguments: generator.dataArguments, dimension: model.layout.dimension,
                                                      shape: shape))
        }
    }

    /// The trip count of a constant loop header (see `Generator.tripCount`).
    static func tripCount(_ header: String) -> Int? { Generator.tripCount(Substring(header)) }

    /// A line with unroll pragmas added (see `Generator.annotate`).
    static func annotate(_ line: String, enclosing: Int) -> (line: String, factor: Int) {
        Generator.annotate(line, enclosing: enclosing)
    }
}
