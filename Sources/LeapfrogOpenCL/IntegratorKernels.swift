import LeapfrogCore

/// The leapfrog pieces of Kernels/integrator.cl for one batch shape, ready to launch.
///
/// Buffers are chain-fastest over `layout.stride` chains (see `ChainLayout.pad`): positions,
/// momenta and gradients hold `dimension * layout.stride` values, step sizes and kinetic energies
/// `layout.stride`. The inverse metric is shared by all chains (`dimension` values for `.diagonal`,
/// `dimension²` row-major for `.dense`) unless `perChainMetric`, when each entry is itself a
/// chain-fastest row of `layout.stride` values.
///
/// Not `Sendable`: it keeps its `Kernel` objects, whose arguments are set per launch.
public final class IntegratorKernels<R: DeviceReal> {
    public enum Metric: String, Sendable, CaseIterable { case unit, diagonal, dense }

    public let program: Program
    public let queue: CommandQueue
    public let layout: ChainLayout
    public let dimension: Int
    public let perChainMetric: Bool
    private var kernels: [String: Kernel] = [:]

    /// `width` defaults to the device's chains per work-item for `R`; `localSize` to its default.
    public init(queue: CommandQueue, chains: Int, dimension: Int, width: Int? = nil, localSize: Int? = nil,
                perChainMetric: Bool = false, cache: ProgramCache? = ProgramCache.default) throws {
        let info = try queue.context.device.info()
        let w = width ?? info.chainsPerWorkItem(R.precision)
        self.queue = queue
        self.layout = ChainLayout(chains: chains, width: w, localSize: localSize ?? info.defaultLocalSize)
        self.dimension = dimension
        self.perChainMetric = perChainMetric
        self.program = try KernelLibrary.build(context: queue.context, files: ["integrator"], precision: R.precision,
                                               width: w, defines: ["PER_CHAIN_METRIC": perChainMetric ? "1" : "0"],
                                               cache: cache)
    }

    private func kernel(_ name: String) throws -> Kernel {
        if let kernel = kernels[name] { return kernel }
        let kernel = try Kernel(program: program, name: name)
        kernels[name] = kernel
        return kernel
    }

    private func launch(_ kernel: Kernel) throws {
        try queue.enqueue(kernel, global: layout.workItems, local: layout.localSize)
    }

    /// p += fraction · ε · ∇log π (fraction ½ for the half steps at the ends of a trajectory).
    public func momentumStep(momentum: Buffer<R>, gradient: Buffer<R>, stepSizes: Buffer<R>, fraction: R) throws {
        let k = try kernel("momentum_step")
        try k.setArg(0, momentum)
        try k.setArg(1, gradient)
        try k.setArg(2, stepSizes)
        try k.setArg(3, fraction)
        try k.setArg(4, Int32(dimension))
        try k.setArg(5, Int32(layout.stride))
        try launch(k)
    }

    /// q += ε · M⁻¹ p.
    public func positionStep(position: Buffer<R>, momentum: Buffer<R>, stepSizes: Buffer<R>, metric: Metric,
                             inverseMetric: Buffer<R>? = nil) throws {
        let k = try kernel("position_step_" + suffix(metric))
        try k.setArg(0, position)
        try k.setArg(1, momentum)
        try k.setArg(2, stepSizes)
        var next = 3
        if metric != .unit {
            guard let inverseMetric else { throw LeapfrogError(.configuration, "a \(metric) metric needs its inverse metric buffer") }
            try k.setArg(next, inverseMetric)
            next += 1
        }
        try k.setArg(next, Int32(dimension))
        try k.setArg(next + 1, Int32(layout.stride))
        try launch(k)
    }

    /// out[c] = ½ pᵀ M⁻¹ p for every chain.
    public func kineticEnergy(momentum: Buffer<R>, metric: Metric, inverseMetric: Buffer<R>? = nil, into out: Buffer<R>) throws {
        let k = try kernel("kinetic_energy_" + suffix(metric))
        try k.setArg(0, momentum)
        var next = 1
        if metric != .unit {
            guard let inverseMetric else { throw LeapfrogError(.configuration, "a \(metric) metric needs its inverse metric buffer") }
            try k.setArg(next, inverseMetric)
            next += 1
        }
        try k.setArg(next, out)
        try k.setArg(next + 1, Int32(dimension))
        try k.setArg(next + 2, Int32(layout.stride))
        try launch(k)
    }

    private func suffix(_ metric: Metric) -> String {
        switch metric {
        case .unit: return "unit"
        case .diagonal: return "diag"
        case .dense: return "dense"
        }
    }
}
