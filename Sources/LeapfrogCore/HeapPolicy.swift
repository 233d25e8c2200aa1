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
/// peak resident size is the same.
///
/// A thread other than the main one allocates from an arena of heaps of at most 64 MiB
/// (`HEAP_MAX_SIZE`, twice the largest mmap threshold), and glibc deletes (unmaps) such a heap as
/// soon as it is all free unless the heap before it lacks `M_TOP_PAD` bytes of room (glibc 2.36,
/// `heap_trim`): a 52 MB array that fills a heap of its own is mapped and faulted in afresh on every
/// allocation. The summaries of a run do their work on every core, with such arrays per quantity
/// (6.5 million draws of 65,536 chains × 100): 1.3 million faults and a third of the
/// summary's time were the worker threads' heaps mapped again. `M_TOP_PAD` at
/// `threadHeapSize` keeps a free heap for the next block. (A block larger than a heap still gets
/// its own mapping off the main thread.)
public enum HeapPolicy {
    /// Blocks below this come from the heap, and a free heap top below it is kept.
    public static let largeBlockThreshold: Int32 = 1 << 30
    /// glibc's `HEAP_MAX_SIZE` on 64-bit systems (2 × `DEFAULT_MMAP_THRESHOLD_MAX`, 32 MiB): the
    /// size of a thread arena's heaps, and the top pad that keeps a free one mapped.
    public static let threadHeapSize: Int32 = 64 << 20

    /// `mallopt`'s parameters, from glibc's <malloc.h> (not in Swift's Glibc module).
    private static let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3

    /// Returns free memory of every arena to the system (glibc's `malloc_trim(0)`: the pages of
    /// the free blocks in its lists are released, their mappings stay; the main heap's free top is
    /// trimmed, a thread heap's free top stays); elsewhere does nothing. Called between phases
    /// that each reuse their own blocks: without it the summaries of one read-back batch kept up
    /// to 520 MB of a worker thread's heaps resident (65,536 chains × 100 draws) while the next
    /// batch was read on the main thread, and the run's peak rose by 0.4 GB (2.13 → 2.54 GB).
    /// Returns whether any memory was released.
    @discardableResult
    public static func releaseFreeMemory() -> Bool {
        #if canImport(Glibc)
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return false }
        return unsafeBitCast(symbol, to: MallocTrim.self)(0) == 1
        #else
        return false
        #endif
    }

    /// Keeps large blocks in the heap and free thread heaps mapped (glibc's `mallopt`, looked up in
    /// the running process); elsewhere does nothing. Returns whether the allocator took the settings.
    @discardableResult
    public static func keepLargeBlocks() -> Bool {
        #if canImport(Glibc)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        return mallopt(mmapThreshold, largeBlockThreshold) == 1 && mallopt(trimThreshold, largeBlockThreshold) == 1
            && mallopt(topPad, threadHeapSize) == 1
        #else
        return false
        #endif
    }
}
