import LeapfrogCore
import Testing

/// ChEES's partial means of blocks of chains: joined in order, the batch's sums and means; the
/// gather layout round-trips.
struct ChEESPartialMeansTests {
    @Test func blocksJoinIntoTheBatchsMeans() {
        let a = ChEESPartialMeans(weightedProposal: [1, 2], start: [3, -1], weight: 0.5, chains: 2)
        let b = ChEESPartialMeans(weightedProposal: [0.5, -4], start: [1, 5], weight: 1.5, chains: 3)
        let empty = ChEESPartialMeans(dimension: 2)
        let joined = ChEESPartialMeans.joined([a, empty, b])
        #expect(joined == ChEESPartialMeans(weightedProposal: [1.5, -2], start: [4, 4], weight: 2, chains: 5))
        #expect(joined.proposalMean == [0.75, -1])
        #expect(joined.startMean == [0.8, 0.8])
    }

    @Test func valuesRoundTrip() {
        let a = ChEESPartialMeans(weightedProposal: [1, 2, 3], start: [4, 5, 6], weight: 0.25, chains: 7)
        #expect(a.values.count == 2 * 3 + 2)
        #expect(ChEESPartialMeans(values: ([9] + a.values)[1...], dimension: 3) == a)
    }
}
