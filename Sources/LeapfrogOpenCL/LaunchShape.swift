/// The two launch shapes of a generated kernel.
///
/// - `chainPerWorkItem`: each work-item evaluates W chains (W = 1 on GPUs, the SIMD width on CPU
///   devices), streaming over the plate rows with the gradient in private memory. Many chains,
///   small data.
/// - `workGroupPerChain`: one work-group of `localSize` work-items per chain (W = 1); work-item
///   `lid` takes rows lid, lid + localSize, ..., accumulates its partial log density and gradient,
///   and the work-group sums them through local memory, `reductionColumns` values per pass
///   (bounded by the device's local memory). Few chains, large data (diamonds' N = 5000, digits).
public enum LaunchShape: Sendable, Hashable, CustomStringConvertible {
    case chainPerWorkItem
    case workGroupPerChain(localSize: Int, reductionColumns: Int)

    /// A work-group of `localSize` per chain summing the dimension + 1 values (gradient, log
    /// density) in as many columns per pass as fit in half the device's local memory (at most
    /// 32 KiB), less `reservedBytes` the kernel keeps beside them.
    public static func group(localSize: Int, dimension: Int, localMemory: UInt64, realSize: Int,
                             reservedBytes: Int = 0) -> LaunchShape {
        let bytes = min(Int(localMemory) / 2, 32 << 10) - reservedBytes
        return .workGroupPerChain(localSize: localSize,
                                  reductionColumns: max(1, min(dimension + 1, bytes / (localSize * realSize))))
    }

    public var description: String {
        switch self {
        case .chainPerWorkItem: return "work-item per chain"
        case .workGroupPerChain(let local, _): return "work-group of \(local) per chain"
        }
    }
}
