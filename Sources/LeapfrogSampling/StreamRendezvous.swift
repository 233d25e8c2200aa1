#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the shards of a split sampling stream meet at every iteration
/// (`SplitTransitionExecutor.stream`: each shard streams its block of chains on its own thread):
/// the last shard to bring an iteration joins the blocks (`SampledIteration.joined`) and hands
/// the batch's iteration to the sampler, one iteration at a time, in order; every shard then goes
/// on with the sampler's answer. A shard that fails wakes the others, which stop.
final class StreamRendezvous: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var parts: [SampledIteration?]
    private var arrived = 0, round = 0
    private var goOn = true
    /// The first error of a shard or of the sampler's `deliver`.
    private(set) var failure: Error?

    init(shards: Int) {
        parts = [SampledIteration?](repeating: nil, count: shards)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Shard `k`'s block of the next iteration; returns whether to go on: `deliver`'s answer for
    /// the joined iteration, false once anything failed.
    func meet(_ k: Int, _ sampled: SampledIteration, deliver: ([SampledIteration]) throws -> Bool) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard failure == nil, goOn else { return false }
        parts[k] = sampled
        arrived += 1
        if arrived == parts.count {
            do { goOn = try deliver([SampledIteration.joined(parts.map { $0! })]) } catch {
                failure = error
                goOn = false
            }
            parts = parts.map { _ in nil }
            arrived = 0
            round += 1
            pthread_cond_broadcast(condition)
        } else {
            let mine = round
            while round == mine && failure == nil { pthread_cond_wait(condition, mutex) }
        }
        return failure == nil && goOn
    }

    /// A shard failed: every shard waiting or arriving later stops.
    func fail(_ error: Error) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if failure == nil { failure = error }
        pthread_cond_broadcast(condition)
    }
}
