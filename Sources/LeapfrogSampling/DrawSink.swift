import LeapfrogCore

/// One retained iteration, for every chain.
public struct Draw: Sendable {
    /// 0-based index among retained draws.
    public var index: Int
    /// The global iteration (warmup iterations come first).
    public var iteration: Int
    /// Unconstrained positions, chain-fastest.
    public var positions: ChainBatch
    public var logDensity: [Double]
    public var info: TransitionInfoBatch
    /// Batched evaluations this iteration took (all chains in lockstep).
    public var lockstepEvaluations: Int

    public init(index: Int, iteration: Int, positions: ChainBatch, logDensity: [Double], info: TransitionInfoBatch,
                lockstepEvaluations: Int) {
        self.index = index
        self.iteration = iteration
        self.positions = positions
        self.logDensity = logDensity
        self.info = info
        self.lockstepEvaluations = lockstepEvaluations
    }
}

/// Where draws go, one call per retained iteration, so output can stream to disk with memory
/// flat in the number of draws.
public protocol DrawSink: AnyObject {
    /// Called once after warmup (also when warmup is 0), before the first draw.
    func adaptationFinished(_ adaptation: Adaptation) throws
    func write(_ draw: Draw) throws
    /// Several consecutive draws at once (a streaming executor delivers them in groups), so a sink
    /// can process them together (`DrawCollector` records them in one device launch). Default:
    /// `write` for each, in order.
    func write(contentsOf draws: [Draw]) throws
}

extension DrawSink {
    public func adaptationFinished(_ adaptation: Adaptation) throws {}

    public func write(contentsOf draws: [Draw]) throws {
        for draw in draws { try write(draw) }
    }
}

/// A sink that keeps everything in memory, for small runs and tests.
public final class InMemoryDrawSink: DrawSink {
    /// positions[chain][draw] = the unconstrained vector.
    public private(set) var positions: [[[Double]]] = []
    public private(set) var logDensity: [[Double]] = []
    public private(set) var info: [[TransitionInfo]] = []
    public private(set) var adaptation: Adaptation?

    public init() {}

    public func adaptationFinished(_ adaptation: Adaptation) throws { self.adaptation = adaptation }

    public func write(_ draw: Draw) throws {
        let n = draw.positions.chains
        if positions.isEmpty {
            positions = Array(repeating: [], count: n)
            logDensity = Array(repeating: [], count: n)
            info = Array(repeating: [], count: n)
        }
        for c in 0..<n {
            positions[c].append(draw.positions.vector(chain: c))
            logDensity[c].append(draw.logDensity[c])
            info[c].append(draw.info[c])
        }
    }
}

/// Keeps nothing: the sink of a rank that does not write (`ChainCommunicator`).
public final class DiscardingDrawSink: DrawSink {
    public init() {}
    public func write(_ draw: Draw) throws {}
}
