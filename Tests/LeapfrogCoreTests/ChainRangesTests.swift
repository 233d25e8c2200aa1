import Testing
import LeapfrogCore

@Suite struct ChainRangesTests {
    /// Every chain is in exactly one range, serially and over the cores, for counts below, at and
    /// far above the cores.
    @Test(arguments: [0, 1, 3, 1_000, 65_537])
    func theRangesCoverEveryChainOnce(chains: Int) {
        for parallel in [false, true] {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(chains, 1))
            defer { counts.deallocate() }
            counts.initialize(repeating: 0)
            ChainRanges.forEach(chains, parallel: parallel) { range in for c in range { counts[c] += 1 } }
            #expect(counts.prefix(chains).allSatisfy { $0 == 1 }, "\(chains) chains, parallel \(parallel)")
        }
    }
}
