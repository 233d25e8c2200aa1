#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT (Ctrl-C), SIGTERM (`kill`, `timeout`, Slurm, Docker) and SIGHUP (a closed terminal) as
/// a flag the sampler polls once per iteration: the run stops at the next iteration, closes its
/// files with every draw written so far, and says so. A second signal exits at once.
enum Interrupt {
    /// The signals that stop a run, keeping its draws.
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// The signal received; 0 before one.
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    static func install() {
        received = 0
        // A parent may have blocked these signals (test runners, some process supervisors):
        // unblock them, so they reach the handler; threads started later inherit the mask.
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for s in signals {
            signal(s) { s in
                if Interrupt.received != 0 { _exit(128 + s) }
                Interrupt.received = s
            }
        }
    }

    static var isRequested: Bool { received != 0 }

    /// The exit status of a run stopped by a signal after writing and summarising its draws: 128
    /// plus the signal's number, as a shell reports a process the signal ended (130 for Ctrl-C,
    /// 143 for SIGTERM), so that scripts can tell it from a finished run.
    static var exitStatus: Int32 { 128 + (received != 0 ? received : SIGINT) }
}
