/// Per-chain running moments read back from the device (`MomentsAccumulator.read`), laid out as
/// `ChainMoments` holds them: element (q, c) at q·chains + c.
public struct DeviceMoments: Sendable {
    public let chains: Int
    /// lp__, then the recorded values.
    public let quantities: Int
    /// Draws added to each half.
    public let counts: [Int]
    public let means: [[Double]]
    public let m2: [[Double]]
    /// Non-finite values added, per quantity (over every chain and both halves).
    public let nonFinite: [Int]
}
