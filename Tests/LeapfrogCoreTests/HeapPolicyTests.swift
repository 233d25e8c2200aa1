#if canImport(Glibc)
import Glibc
import LeapfrogCore
import Testing

/// `HeapPolicy`: large blocks stay in glibc's heap, so a block freed and allocated again is not
/// faulted in anew (`getrusage`'s minor faults of this thread).
@Suite struct HeapPolicyTests {
    /// This thread's minor page faults so far.
    static func faults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)   // RUSAGE_THREAD (<sys/resource.h>; not in Swift's Glibc)
        return usage.ru_minflt
    }

    /// The faults of writing `bytes` at `block`.
    static func touch(_ block: UnsafeMutableRawPointer, bytes: Int) -> Int {
        let before = faults()
        memset(block, 1, bytes)
        return faults() - before
    }

    /// The faults of allocating `bytes`, writing them and freeing them.
    static func touchFresh(bytes: Int) -> Int {
        let block = malloc(bytes)!
        defer { free(block) }
        return touch(block, bytes: bytes)
    }

    /// A 48 MiB block (above glibc's largest dynamic mmap threshold, 32 MiB, and within a thread
    /// arena's 64 MiB heaps: tests run off the main thread), touched, freed and allocated again:
    /// with the policy the second touch reuses the heap's pages (by default it would map and fault
    /// in all 12,288 pages again).
    @Test func aFreedLargeBlockIsReusedWithoutFaults() {
        #expect(HeapPolicy.keepLargeBlocks())
        let bytes = 48 << 20, pages = bytes / 4096
        _ = Self.touchFresh(bytes: bytes)
        let again = Self.touchFresh(bytes: bytes)
        #expect(again < pages / 16, "\(again) faults touching a reused \(bytes >> 20) MiB block (\(pages) pages)")
    }

    /// Off the main thread, a 40 MiB block allocated while another holds most of a 64 MiB heap
    /// gets a heap of its own; freed, that heap is all free, and glibc unmaps it unless the top pad
    /// keeps it (by default the block allocated again faults in all 10,240 pages afresh: checked
    /// with the top pad left out of the policy). Tests run off the main thread; on the main arena
    /// the trim threshold keeps the block as well.
    @Test func aFreedThreadHeapIsKeptForTheNextBlock() {
        #expect(HeapPolicy.keepLargeBlocks())
        let bytes = 40 << 20, pages = bytes / 4096
        let first = malloc(bytes)!
        defer { free(first) }
        _ = Self.touchFresh(bytes: bytes)
        let again = Self.touchFresh(bytes: bytes)
        #expect(again < pages / 16, "\(again) faults touching a reused \(bytes >> 20) MiB block (\(pages) pages)")
    }

    /// `releaseFreeMemory` gives a kept free block's pages back (glibc's `malloc_trim` releases
    /// the blocks in its free lists; a block that merged into a thread heap's free top stays):
    /// allocated and touched again, the block faults its pages in anew.
    @Test func releasedMemoryIsFaultedInAgain() {
        #expect(HeapPolicy.keepLargeBlocks())
        let bytes = 20 << 20, pages = bytes / 4096
        func touch(_ block: UnsafeMutableRawPointer) -> Int { Self.touch(block, bytes: bytes) }
        // A second block right after it keeps it out of the heap's free top once freed. (Where the
        // two are not next to each other, both are kept allocated and a pair is tried again in the
        // heap's new state.)
        var held: [UnsafeMutableRawPointer] = []
        defer { held.forEach { free($0) } }
        var pair: (block: UnsafeMutableRawPointer, guard: UnsafeMutableRawPointer)?
        for _ in 0..<4 where pair == nil {
            let block = malloc(bytes)!, guardBlock = malloc(bytes)!
            let gap = Int(bitPattern: guardBlock) - Int(bitPattern: block)
            if gap > 0 && gap <= bytes + 64 { pair = (block, guardBlock) } else { held += [block, guardBlock] }
        }
        guard let (block, guardBlock) = pair else {
            Issue.record("no two blocks next to each other in four tries")
            return
        }
        held.append(guardBlock)
        _ = touch(block)
        free(block)
        let kept = malloc(bytes)!
        #expect(touch(kept) < pages / 16)
        free(kept)
        HeapPolicy.releaseFreeMemory()
        let released = malloc(bytes)!
        let faults = touch(released)
        free(released)
        #expect(faults > pages / 2, "\(faults) faults touching a block whose pages were released (\(pages) pages)")
    }
}
#endif
