import LeapfrogCore

/// The hand-written kernel library: the `.cl` files of the package's `Kernels/` folder, embedded in
/// the binary at build time by the EmbedKernels plugin, and the build options that choose the
/// floating-point type and the chains-per-work-item width.
public enum KernelLibrary {
    /// The library files and, for each, the files it needs before it (besides `common`).
    static let dependencies: [String: [String]] = [
        "common": [],
        "philox": [],
        "special": [],
        "activations": ["special"],
        "distributions": ["special"],
        "moments": [],
        "warmup": [],
        "peak": [],
    ]

    /// Every kernel file name (without `.cl`), in a valid concatenation order.
    public static let fileNames = ["common", "philox", "special", "activations", "distributions", "moments", "warmup", "peak"]

    /// The text of one file, e.g. `source(of: "philox")`.
    public static func source(of name: String) throws -> String {
        guard let text = EmbeddedKernels.sources[name] else {
            throw LeapfrogError(.device, "no kernel file '\(name).cl' is embedded; have: \(EmbeddedKernels.sources.keys.sorted().joined(separator: ", "))")
        }
        return text
    }

    /// One program source: `common.cl`, then `files` and what they need (each once, in library
    /// order), then `extra` (generated or test kernels that call the library functions).
    public static func programSource(_ files: [String], extra: String = "") throws -> String {
        var wanted: Set<String> = ["common"]
        var stack = files
        while let name = stack.popLast() {
            guard let needs = dependencies[name] else {
                throw LeapfrogError(.device, "unknown kernel file '\(name)'; have: \(fileNames.joined(separator: ", "))")
            }
            if wanted.insert(name).inserted { stack += needs }
        }
        var parts: [String] = []
        for name in fileNames where wanted.contains(name) {
            parts.append("// ---- \(name).cl ----\n" + (try source(of: name)))
        }
        if !extra.isEmpty { parts.append("// ---- generated ----\n" + extra) }
        return parts.joined(separator: "\n")
    }

    /// Build options for `precision` and `width` chains per work-item, plus any other `-D`
    /// tunables, in a stable order (they are part of the cache key).
    public static func buildOptions(precision: Precision, width: Int, defines: [String: String] = [:]) -> String {
        precondition([1, 2, 4, 8, 16].contains(width), "chains per work-item must be 1, 2, 4, 8 or 16")
        var options = ["-cl-std=CL1.2", "-D REAL_DOUBLE=\(precision == .double ? 1 : 0)", "-D W=\(width)"]
        if precision == .float { options.append("-cl-single-precision-constant") }
        for (name, value) in defines.sorted(by: { $0.key < $1.key }) { options.append("-D \(name)=\(value)") }
        return options.joined(separator: " ")
    }

    /// Builds a program from library files (and `extra` source) for one precision and width.
    /// Throws a `.device` error if the device lacks fp64 and `precision` is `.double`.
    public static func build(context: Context, files: [String], extra: String = "", precision: Precision,
                             width: Int, defines: [String: String] = [:],
                             cache: ProgramCache? = ProgramCache.default) throws -> Program {
        if precision == .double, !(try context.device.info().supportsFP64) {
            throw LeapfrogError(.device, "device '\(context.deviceName)' has no double precision (cl_khr_fp64): use --precision float")
        }
        return try Program(context: context, source: programSource(files, extra: extra),
                           options: buildOptions(precision: precision, width: width, defines: defines), cache: cache)
    }
}

/// How a batch of chains maps onto work-items: `width` chains per work-item, the chain count
/// padded up to `stride` (a multiple of `width`), and the launch sizes.
public struct ChainLayout: Sendable, Hashable {
    public let chains: Int
    public let width: Int
    public let localSize: Int

    public init(chains: Int, width: Int, localSize: Int) {
        precondition(chains >= 1 && width >= 1 && localSize >= 1, "ChainLayout: sizes must be positive")
        self.chains = chains
        self.width = width
        self.localSize = localSize
    }

    /// The work-group size for `items` work-items on a CPU device with `computeUnits` cores, at
    /// most `maximum`. PoCL runs each work-group on one core, so the group count is rounded up to
    /// a multiple of the cores (every core gets as many groups; a batch smaller than the cores
    /// gets a group per item) and the items are spread evenly over them. Taking the largest
    /// allowed size instead can leave an odd group count: 256 work-items (4,096 BNN chains, 16
    /// per item) in groups of 40 make 7 groups on 2 cores, one core idle for the last, and the
    /// BNN's trajectory kernel ran at 2.2e6 gradients/s with the old choice against 3.0e6 in
    /// groups that split evenly (docs/benchmarks.md, "Work-groups that split evenly over the
    /// cores").
    public static func cpuGroupSize(items: Int, maximum: Int, computeUnits: Int) -> Int {
        let cores = max(1, computeUnits), items = max(1, items), maximum = max(1, maximum)
        let fewest = (items + maximum - 1) / maximum
        let groups = (fewest + cores - 1) / cores * cores
        return max(1, (items + groups - 1) / groups)
    }

    /// The padded chain count: the distance between components in a chain-fastest buffer.
    public var stride: Int { (chains + width - 1) / width * width }
    /// Work-items that own chains.
    public var workItems: Int { stride / width }
    /// Global size: `workItems` rounded up to a multiple of `localSize`.
    public var globalSize: Int { (workItems + localSize - 1) / localSize * localSize }

    /// `values` (chain-fastest over `chains`, `dimension` components) re-laid over `stride`;
    /// padding lanes repeat the last chain so they stay finite.
    public func pad<T>(_ values: [T], dimension: Int) -> [T] {
        precondition(values.count == chains * dimension, "ChainLayout.pad: \(values.count) values for \(chains) × \(dimension)")
        if stride == chains { return values }
        var out: [T] = []
        out.reserveCapacity(stride * dimension)
        for p in 0..<dimension {
            out += values[(p * chains)..<((p + 1) * chains)]
            for _ in chains..<stride { out.append(values[p * chains + chains - 1]) }
        }
        return out
    }

    /// The inverse of `pad`: drops the padding lanes.
    public func unpad<T>(_ values: [T], dimension: Int) -> [T] {
        precondition(values.count >= stride * dimension, "ChainLayout.unpad: too few values")
        if stride == chains { return Array(values.prefix(chains * dimension)) }
        var out: [T] = []
        out.reserveCapacity(chains * dimension)
        for p in 0..<dimension { out += values[(p * stride)..<(p * stride + chains)] }
        return out
    }
}
