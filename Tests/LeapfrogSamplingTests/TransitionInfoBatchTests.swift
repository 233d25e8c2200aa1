import Testing
@testable import LeapfrogSampling

/// `TransitionInfoBatch`: every chain's `TransitionInfo` stored by field.
@Suite struct TransitionInfoBatchTests {
    static func infos(_ n: Int, offset: Int = 0) -> [TransitionInfo] {
        (0..<n).map { k in
            let c = k + offset
            return TransitionInfo(acceptanceStatistic: 0.1 * Double(c % 10), accepted: c % 2 == 0, divergent: c % 3 == 0,
                                  energy: Double(c) - 0.5, stepSize: 0.01 * Double(c + 1), treeDepth: c % 11,
                                  leapfrogSteps: c + 3, gradientEvaluations: 2 * (c + 3))
        }
    }

    /// The chains' infos come back as they went in, field by field, and the columns hold them in
    /// chain order.
    @Test func columnsHoldEveryChainsInfo() {
        let infos = Self.infos(7)
        let batch = TransitionInfoBatch(infos)
        #expect(Array(batch) == infos && batch.count == 7)
        #expect(batch.energy == infos.map(\.energy) && batch.gradientEvaluations == infos.map(\.gradientEvaluations))
        #expect(batch.divergences == 3)   // chains 0, 3, 6
        #expect(batch[4] == infos[4])
    }

    /// Blocks of chains join in order (a split or sharded run's parts), as their infos would.
    @Test func blocksJoinInChainOrder() {
        let a = Self.infos(3), b = Self.infos(5, offset: 3)
        let joined = TransitionInfoBatch(joining: [TransitionInfoBatch(a), TransitionInfoBatch([]), TransitionInfoBatch(b)])
        #expect(joined == TransitionInfoBatch(Self.infos(8)))
        #expect(Array(joined) == a + b)
    }
}
