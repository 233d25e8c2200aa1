/// The most a count option takes (iterations, draws, steps, paths, restarts, samples per
/// iteration): 10⁹. Past it a run's integer arithmetic (chains × draws × parameters, a warmup
/// schedule's windows, a trajectory's steps) could overflow 64 bits and trap, and no run that
/// ends is that long: 10⁹ iterations of the smallest model at 10⁷ gradients a second take more
/// than a day per chain. Memory bounds what fits well before it (`MemoryEstimate`).
public enum CountLimit {
    public static let largest = 1_000_000_000

    /// Throws a `.configuration` error naming `option` when `value` is above ``largest``.
    public static func check(_ value: Int?, _ option: String) throws {
        guard let value, value > largest else { return }
        throw LeapfrogError(.configuration, "\(option) \(value) is more than \(NumberFormat.grouped(largest)), the most a count takes")
    }
}
