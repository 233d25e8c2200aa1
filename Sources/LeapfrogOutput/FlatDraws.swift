/// The draws of one scalar element across chains: `draws[chain][draw]`, named Stan-style
/// (`prec`, `theta[3]`, `W1[2,5]`, 1-based).
public struct FlatDraws: Sendable, Hashable {
    public var name: String
    public var draws: [[Double]]

    public init(name: String, draws: [[Double]]) {
        self.name = name
        self.draws = draws
    }
}
