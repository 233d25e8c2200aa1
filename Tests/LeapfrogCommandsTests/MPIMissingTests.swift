import Foundation
import Testing

/// A process that looks started by mpirun (`OMPI_COMM_WORLD_SIZE`) where libmpi cannot be loaded
/// (`LEAPFROG_MPI_LIBRARY` pointing nowhere): `sample` fails before sampling and says what to do;
/// without the launcher's variables nothing of MPI is loaded and the run is the one-process run.
struct MPIMissingTests {
    let sample = ["sample", "eight-schools", "--chains", "2", "--warmup", "20", "--draws", "5", "--backend", "cpu", "--quiet"]

    @Test func underALauncherWithoutMPIFailsSayingWhy() throws {
        let result = try runLeapfrog(sample, environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0",
                                                           "LEAPFROG_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("this run was started by mpirun, but MPI could not be loaded: /nonexistent/libmpi.so.40: "),
                "\(result.stderr)")
        #expect(result.stderr.contains("apt install openmpi-bin libopenmpi-dev"))
    }

    @Test func aLibraryThatIsNotOpenMPISaysWhichSymbolIsMissing() throws {
        // libm loads but has no MPI: the message names the first missing symbol.
        let result = try runLeapfrog(sample, environment: ["OMPI_COMM_WORLD_SIZE": "2", "LEAPFROG_MPI_LIBRARY": "libm.so.6"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("libm.so.6: has no symbol MPI_Init (Leapfrog needs Open MPI)"), "\(result.stderr)")
    }

    @Test func withoutALauncherMPIIsNotLoaded() throws {
        let result = try runLeapfrog(sample, environment: ["LEAPFROG_MPI_LIBRARY": "/nonexistent/libmpi.so.40"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("R_hat"))
    }
}
