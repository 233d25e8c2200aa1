#if canImport(Glibc)
import Glibc
#endif

/// The C allocator's policy for large blocks, set once by a process that owns its allocator (the
/// `leapfrog` command, not a library loaded into someone else's process).
///
/// glibc's malloc serves a block above its mmap threshold (128 KiB at first, raised as such blocks
/// are freed, to at most 32 MiB on 64-bit systems) with its own `mmap` and unmaps it on `free`, and
/// trims the heap's free top above twice that threshold. A sampling iteration over 10⁶ chains
/// allocated per-chain arrays of 8 MB (Doubles) to 56 MB (an array of `TransitionInfo`s, before
/// `TransitionInfoBatch`), so every iteration faulted in fresh pages that the kernel had to zero:
/// on 2 cores a third of such a run's warmup (docs/benchmarks.md, "A million chains on the host").
/// Raising both thresholds to `largeBlockThreshold` keeps such blocks in the heap for reuse; the
/// peak resident size is the same. (A thread other than the main one allocates from an arena whose
/// heaps hold at most 64 MiB, so a larger block still gets its own mapping there; the sampler's
/// arrays are made on the thread that runs it, the command's main thread.)
public enum HeapPolicy {
    /// Blocks below this come from the heap, and a free heap top below it is kept.
    public static let largeBlockThreshold: Int32 = 1 << 30

    /// `mallopt`'s parameters, from glibc's <malloc.h> (not in Swift's Glibc module).
    private static let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3

    /// Keeps large blocks in the heap (glibc's `mallopt`, looked up in the running process);
    /// elsewhere does nothing. Returns whether the allocator took both settings.
    @discardableResult
    public static func keepLargeBlocks() -> Bool {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        return mallopt(mmapThreshold, largeBlockThreshold) == 1 && mallopt(trimThreshold, largeBlockThreshold) == 1
        #else
        return false
        #endif
    }
}
