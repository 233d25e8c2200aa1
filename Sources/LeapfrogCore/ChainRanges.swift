import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Host work over chains split into one contiguous range per core: per-chain tasks cost more in
/// dispatch and reference-count traffic than the small per-chain work they would carry, and
/// contiguous ranges keep each core's reads of a chain-fastest batch in order. The split depends
/// only on the chain count and the cores, and each chain's work is its own, so results do not
/// depend on the number of cores unless `body` combines chains (and then in range order).
public enum ChainRanges {
    /// Cores online (sysconf), at least 1.
    public static let cores: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()

    /// Runs `body` on ranges covering 0..<chains: one per core, concurrently, when `parallel`,
    /// else the same ranges in order on this thread.
    public static func forEach(_ chains: Int, parallel: Bool, _ body: (Range<Int>) -> Void) {
        let workers = max(1, min(chains, cores))
        let range = { (w: Int) in (w * chains / workers)..<((w + 1) * chains / workers) }
        if workers > 1 && parallel {
            withoutActuallyEscaping(body) { body in
                DispatchQueue.concurrentPerform(iterations: workers) { body(range($0)) }
            }
        } else {
            for w in 0..<workers { body(range(w)) }
        }
    }

    /// Whether work over `chains` × `perChain` values is worth spreading over the cores: below
    /// about 2¹⁶ values a dispatch costs more than it saves.
    public static func worthParallel(chains: Int, perChain: Int) -> Bool { chains * perChain >= 1 << 16 }
}
