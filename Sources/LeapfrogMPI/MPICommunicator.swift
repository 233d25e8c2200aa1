import CMPI
import LeapfrogCore
import LeapfrogSampling
#if canImport(Glibc)
import Glibc
#endif

/// MPI ranks as the members of a run (`ChainCommunicator`): rank r samples the contiguous block
/// of chains `ChainPartition.block(r)`, and every gather is an `MPI_Iallgatherv` of doubles over
/// `MPI_COMM_WORLD`, in rank order, which is chain order.
///
/// Open MPI is loaded with `dlopen` (Sources/CMPI) only when the process was started by mpirun
/// (`OMPI_COMM_WORLD_SIZE` or `PMI_SIZE` above 1 in the environment), so a machine without MPI
/// builds and runs everything else.
///
/// **Failure.** When a rank dies, mpirun sends SIGTERM to every other rank and SIGKILL one second
/// later (Open MPI's `odls_base_sigkill_timeout`). A rank waits on a gather by polling `MPI_Test`
/// and checking for that signal (and SIGINT, SIGHUP); on it, the gather throws
/// `CommunicationFailure`, `Sampler.run` ends the run as interrupted, and rank 0 closes its files
/// with every draw written so far. Ctrl-C on mpirun reaches every rank the same way, so the ranks
/// never disagree about the iteration to stop at (a flag per rank, as one process uses, could).
public final class MPICommunicator: ChainCommunicator, @unchecked Sendable {
    public let rank: Int
    public let members: Int
    /// Gathers made, values received and wall-clock seconds spent inside them (waiting for the
    /// slowest rank included): the reduction's cost, for the run's closing line.
    public private(set) var gathers = 0, valuesReceived = 0, gatherSeconds = 0.0

    /// The library candidates: `LEAPFROG_MPI_LIBRARY` alone when set, else Open MPI's soname.
    static let candidates = DynamicLibrary.candidates(override: "LEAPFROG_MPI_LIBRARY",
                                                      defaults: ["libmpi.so.40", "libmpi.so"])

    /// The world size mpirun announced in the environment; nil when not started by an MPI launcher.
    public static var launcherSize: Int? {
        for name in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let v = getenv(name), let n = Int(String(cString: v)) { return n }
        }
        return nil
    }

    /// This process's communicator: `SingleProcess` unless an MPI launcher started more than one
    /// rank; then MPI, initialised once per process. Throws when MPI cannot be loaded or started.
    public static func forThisProcess() throws -> any ChainCommunicator {
        guard let size = launcherSize, size > 1 else { return SingleProcess() }
        return try shared.get()
    }

    private static let shared: Result<MPICommunicator, LeapfrogError> = Result { try MPICommunicator() }
        .mapError { $0 as? LeapfrogError ?? LeapfrogError(.device, "\($0)") }

    private init() throws {
        let names = Self.candidates.map { strdup($0) } + [nil]
        defer { names.forEach { free($0) } }
        let problem = names.map { $0.map { UnsafePointer($0) } }.withUnsafeBufferPointer { leapfrog_mpi_load($0.baseAddress) }
        if let problem {
            throw LeapfrogError(.device, "this run was started by mpirun, but MPI could not be loaded: \(String(cString: problem)); "
                                + "install Open MPI (Debian/Ubuntu: apt install openmpi-bin libopenmpi-dev) or run without mpirun")
        }
        var r: Int32 = 0, n: Int32 = 0
        let rc = leapfrog_mpi_init(&r, &n)
        if rc != 0 { throw LeapfrogError(.device, "MPI_Init failed with MPI error \(rc)") }
        rank = Int(r)
        members = Int(n)
    }

    public func allGather(_ local: [Double], counts: [Int]) throws -> [Double] {
        precondition(counts.count == members && local.count == counts[rank], "allGather: counts do not match this rank's part")
        let started = Clock.now()
        defer {
            gathers += 1
            gatherSeconds += Clock.now() - started
        }
        let total = counts.reduce(0, +)
        valuesReceived += total
        guard total <= Int(Int32.max) else {
            throw LeapfrogError(.sampling, "MPI gather of \(total) values exceeds MPI's int count; use fewer chains per run")
        }
        var displacements = [Int32](repeating: 0, count: members)
        for r in 1..<max(members, 1) { displacements[r] = displacements[r - 1] + Int32(counts[r - 1]) }
        let counts32 = counts.map { Int32($0) }
        var out = [Double](repeating: 0, count: max(total, 1))
        var scratch = 0.0
        var failure: CommunicationFailure?
        // A signal that came while this rank computed: stop here rather than wait for ranks that may be gone.
        let early = leapfrog_mpi_signalled()
        if early != 0 { throw CommunicationFailure(Self.message(rank: rank, members: members, signal: early)) }
        let rc: Int32 = local.withUnsafeBufferPointer { send in
            out.withUnsafeMutableBufferPointer { receive in
                var request: UnsafeMutableRawPointer?
                let start = leapfrog_mpi_iallgatherv(send.baseAddress ?? withUnsafePointer(to: &scratch) { $0 }, Int32(local.count),
                                                     receive.baseAddress, counts32, displacements, &request)
                if start != 0 { return start }
                var done: Int32 = 0, polls = 0
                while done == 0 {
                    let t = leapfrog_mpi_test(&request, &done)
                    if t != 0 { return t }
                    if done != 0 { break }
                    let s = leapfrog_mpi_signalled()
                    if s != 0 {
                        failure = CommunicationFailure(Self.message(rank: rank, members: members, signal: s))
                        return 0
                    }
                    polls += 1
                    if polls < 2000 { sched_yield() } else { usleep(100) }
                }
                return 0
            }
        }
        if let failure { throw failure }
        if rc != 0 { throw CommunicationFailure("rank \(rank) of \(members): MPI_Iallgatherv failed with MPI error \(rc)") }
        if total == 0 { out.removeAll() }
        return out
    }

    static func message(rank: Int, members: Int, signal: Int32) -> String {
        let name = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : signal == SIGHUP ? "SIGHUP" : "signal \(signal)"
        return "rank \(rank) of \(members) stopped by \(name) while waiting for the other ranks "
            + "(mpirun sends it when a rank fails or when it is interrupted)"
    }

    /// `leapfrog: rank 0 of 2: 1,140 gathers (0.91 MB), 0.42 s in them: 3.1 % of the run's 13.4 s`
    public func costLine(runSeconds: Double) -> String {
        "leapfrog: rank \(rank) of \(members): \(gathers) gathers (\(NumberFormat.significant(Double(valuesReceived * 8) / 1e6, digits: 3)) MB), "
            + "\(NumberFormat.significant(gatherSeconds, digits: 3)) s in them: "
            + "\(NumberFormat.fixed(100 * gatherSeconds / max(runSeconds, 1e-9), decimals: 1)) % of the run's "
            + "\(NumberFormat.significant(runSeconds, digits: 3)) s"
    }

    /// Ends MPI after a complete run (every rank must call it).
    public func finalize() { _ = leapfrog_mpi_finalize() }

    /// Exits at once with `status` after a rank was lost (the files are closed by then): neither
    /// MPI_Finalize nor the exit handlers Open MPI registered, which wait for the lost rank until
    /// mpirun's SIGKILL.
    public func exitAfterLosingARank(status: Int32) -> Never {
        fflush(stdout)
        fflush(stderr)
        _exit(status)
    }
}
