import LeapfrogCore

/// Runs `body` over the chain range `0..<chains`; whenever it throws `DeviceOutOfMemory`, splits the
/// range in two halves and runs each, recursively, down to `minimum` chains. Returns the results
/// of the ranges that succeeded, in chain order.
///
/// When a range of `minimum` chains or fewer still does not fit, throws the `.device`
/// `LeapfrogError` of that failure, saying how few chains were tried. Any other error propagates.
public func withChainSplitting<T>(chains: Int, minimum: Int = 1,
                                  _ body: (Range<Int>) throws -> T) throws -> [(range: Range<Int>, result: T)] {
    precondition(chains >= 0 && minimum >= 1, "withChainSplitting: bad sizes")
    var results: [(range: Range<Int>, result: T)] = []
    var pending: [Range<Int>] = chains > 0 ? [0..<chains] : []
    while let range = pending.popLast() {
        do {
            results.append((range, try body(range)))
        } catch let failure as DeviceOutOfMemory {
            guard range.count > minimum else {
                throw LeapfrogError(.device, failure.message
                    + "\neven \(range.count) chain\(range.count == 1 ? "" : "s") at once do not fit on this device")
            }
            let middle = range.lowerBound + range.count / 2
            pending.append(middle..<range.upperBound)
            pending.append(range.lowerBound..<middle)
        }
    }
    return results
}
