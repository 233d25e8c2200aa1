#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT as a flag the sampler polls once per iteration: the run stops at the next iteration,
/// closes its files with every draw written so far, and says so. A second Ctrl-C exits at once.
enum Interrupt {
    nonisolated(unsafe) private static var requested: sig_atomic_t = 0

    static func install() {
        requested = 0
        // A parent may have blocked SIGINT (test runners, some process supervisors): unblock it, so
        // Ctrl-C reaches the handler; threads started later inherit the mask.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        signal(SIGINT) { _ in
            if Interrupt.requested != 0 { _exit(130) }
            Interrupt.requested = 1
        }
    }

    static var isRequested: Bool { requested != 0 }
}
