/// Quantities a draw records that the host computes, once per chain and draw, from what the back
/// end recorded (the constrained parameters, then the graph's derived quantities), because the
/// model graph cannot express them: Stan's generated quantities with control flow on parameters
/// (Viterbi decoding's `if (logp > best[t, k])`, argmax writes into integer arrays). They need no
/// gradient, so they are interpreted on the host after the back end that sampled has recorded
/// the draw, whatever that back end is: the same numbers on every back end. Random numbers
/// (Stan's `_rng`) come from a stream keyed by the draw (`DrawKey`), not from the back end.
public protocol HostQuantities: Sendable {
    /// The variables computed, in order, each with its concrete shape.
    var variables: [(name: String, shape: [Int])] { get }

    /// One chain's values of `variables`, row-major, concatenated. `recorded` is the chain's
    /// recorded row; `layout` names its variables and shapes, in order; `key` says which chain and
    /// draw the row is (the random numbers' stream).
    func values(recorded: [Double], layout: [(name: String, shape: [Int])], key: DrawKey) throws -> [Double]
}
