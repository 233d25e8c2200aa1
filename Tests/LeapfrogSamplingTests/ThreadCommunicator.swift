import Foundation
@testable import LeapfrogSampling

/// K members of a run as K threads of one process, exchanging through a shared room: the test
/// twin of MPI ranks (`MPICommunicator`), so the reduction seam is tested without mpirun.
final class GatherRoom: @unchecked Sendable {
    let members: Int
    private let condition = NSCondition()
    private var parts: [[Double]?]
    private var arrived = 0
    private var generation = 0
    private var result: [Double] = []

    init(members: Int) {
        self.members = members
        parts = Array(repeating: nil, count: members)
    }

    /// The gathers completed so far.
    var completed: Int {
        condition.lock()
        defer { condition.unlock() }
        return generation
    }

    /// A barrier that concatenates every member's part in rank order.
    func gather(rank: Int, _ local: [Double], counts: [Int]) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        precondition(local.count == counts[rank], "member \(rank) sent \(local.count) values, counts say \(counts[rank])")
        let mine = generation
        parts[rank] = local
        arrived += 1
        if arrived == members {
            result = parts.flatMap { $0! }
            parts = Array(repeating: nil, count: members)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return result
    }
}

struct ThreadCommunicator: ChainCommunicator {
    let room: GatherRoom
    let rank: Int
    var members: Int { room.members }

    func allGather(_ local: [Double], counts: [Int]) throws -> [Double] {
        room.gather(rank: rank, local, counts: counts)
    }

    /// Runs `body(communicator)` on one thread per member and returns every member's result, in rank order.
    static func run<T: Sendable>(members: Int, _ body: @escaping @Sendable (ThreadCommunicator) throws -> T) throws -> [T] {
        let room = GatherRoom(members: members)
        let results = Results<T>(members)
        let done = DispatchGroup()
        let lock = NSLock()
        for r in 0..<members {
            done.enter()
            let thread = Thread {
                let outcome = Result { try body(ThreadCommunicator(room: room, rank: r)) }
                lock.lock(); results.values[r] = outcome; lock.unlock()
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try results.values.map { try $0!.get() }
    }
}

/// One slot per member thread.
final class Results<T>: @unchecked Sendable {
    var values: [Result<T, any Error>?]
    init(_ n: Int) { values = Array(repeating: nil, count: n) }
}

/// Fails every gather after `succeeding` of them, as a lost rank makes `MPICommunicator` fail.
struct FailingCommunicator: ChainCommunicator {
    final class Count: @unchecked Sendable { var calls = 0 }
    let succeeding: Int
    let count = Count()
    var rank: Int { 0 }
    var members: Int { 1 }

    func allGather(_ local: [Double], counts: [Int]) throws -> [Double] {
        count.calls += 1
        if count.calls > succeeding { throw CommunicationFailure("rank 1 stopped answering (test)") }
        return local
    }
}
