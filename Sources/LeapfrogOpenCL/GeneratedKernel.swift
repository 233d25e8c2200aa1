import LeapfrogModel

/// A fused log-density-and-gradient kernel generated for one bound model.
public struct GeneratedKernel: Sendable, Hashable {
    /// The generated kernel only; build it after the library files in `libraryFiles`
    /// (`KernelLibrary.programSource(libraryFiles, extra: source)`).
    public let source: String
    public let kernelName: String
    public let libraryFiles: [String]
    /// Data variables passed as `__global const real*` arguments, in order, after
    /// (position, gradient, log_density) and before the final `int stride`; the last is the heap
    /// (`Generator.heapArgument`, written) when the kernel has one.
    public let dataArguments: [String]
    /// Length of the unconstrained vector.
    public let dimension: Int
    /// How chains map onto work-items.
    public let shape: LaunchShape
    /// Rows in lanes: the plate's rows, and the data arrays read a row at a time with the
    /// elements each row holds; the device holds those row-blocked (`deviceValues`).
    public var plateRows = 0
    public var rowData: [String: Int] = [:]
    /// Elements (`realw`, W numbers each) of the heap slice each work-item uses for its large
    /// arrays (`Generator.heapDeclarations`); 0 without a heap.
    public var heapElements = 0

    /// Build definitions the shape needs besides precision and width (`-D LF_ROW_LANES=1`).
    public var defines: [String: String] { shape == .rowsInLanes ? ["LF_ROW_LANES": "1"] : [:] }

    /// Data array `name` as this kernel reads it with W = `width`: unchanged, or for rows in lanes
    /// row-blocked, element k of row r at ((r / W)·slice + k)·W + r % W, the last block padded
    /// with copies of the last row (their contributions are masked; a copy keeps them finite).
    public func deviceValues(_ name: String, _ values: [Double], width: Int) -> [Double] {
        guard shape == .rowsInLanes, let slice = rowData[name], plateRows > 0 else { return values }
        precondition(values.count == plateRows * slice, "GeneratedKernel.deviceValues: '\(name)' has \(values.count) values")
        let blocks = (plateRows + width - 1) / width
        var out = [Double](repeating: 0, count: blocks * slice * width)
        for r in 0..<(blocks * width) {
            let source = min(r, plateRows - 1)
            for k in 0..<slice { out[((r / width) * slice + k) * width + r % width] = values[source * slice + k] }
        }
        return out
    }
}

extension GeneratedKernel {
    /// The kernel's data arguments on `queue`'s device, in argument order, as it reads them with
    /// W = `width` (`deviceValues`), but for the heap (`DeviceHeap` adds it at launch). Throws
    /// `RowLanesUnsupported` for rows in lanes with one lane.
    func dataBuffers<R: DeviceReal>(_ model: BoundModel, width: Int, queue: CommandQueue) throws -> [Buffer<R>] {
        if shape == .rowsInLanes, width < 2 {
            throw RowLanesUnsupported(model: model.graph.name, reason: "one lane per work-item")
        }
        return try dataArguments.filter { $0 != Generator.heapArgument }.map { name in
            try Buffer(context: queue.context, values: deviceValues(name, model.data[name]!.values, width: width).map { R($0) },
                       access: .readOnly, queue: queue)
        }
    }
}
