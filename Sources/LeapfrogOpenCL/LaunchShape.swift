/// The two launch shapes of a generated kernel.
///
/// - `chainPerWorkItem`: each work-item evaluates W chains (W = 1 on GPUs, the SIMD width on CPU
///   devices), streaming over the plate rows with the gradient in private memory. Many chains,
///   small data.
/// - `workGroupPerChain`: one work-group of `localSize` work-items per chain (W = 1); work-item
///   `lid` takes rows lid, lid + localSize, ..., accumulates its partial log density and gradient,
///   and the work-group sums them through local memory, `reductionColumns` values per pass
///   (bounded by the device's local memory). Few chains, large data (diamonds' N = 5000, digits).
/// - `rowsInLanes`: one chain per work-item whose W SIMD lanes hold W plate rows at once (CPU
///   devices; built with `-D LF_ROW_LANES=1`, Kernels/common.cl): each lane sums its rows' log
///   density and gradient, and the lanes are added after the row loop. Few chains on a CPU, where
///   a work-item of W chains would leave most lanes empty: the BNN's 4-chain NUTS job fills 2 of
///   16 lanes per core with chains, and 100 of 112 with rows.
public enum LaunchShape: Sendable, Hashable, CustomStringConvertible {
    case chainPerWorkItem
    case workGroupPerChain(localSize: Int, reductionColumns: Int)
    case rowsInLanes

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
        case .rowsInLanes: return "work-item per chain, rows in lanes"
        }
    }
}
