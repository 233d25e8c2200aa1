// The few MPI calls Leapfrog makes, bound at run time (Open MPI).
//
// The executable does not link libmpi and needs no <mpi.h> to build: a run started by mpirun
// (OMPI_COMM_WORLD_SIZE or PMI_SIZE in the environment) loads libmpi with dlopen, and these
// functions forward to it. Open MPI's handles (MPI_COMM_WORLD, MPI_DOUBLE, MPI_ERRORS_RETURN) are
// addresses of global objects (ompi_mpi_comm_world, ompi_mpi_double, ompi_mpi_errors_return),
// resolved with dlsym like the functions. MPICH's handles are integers, not symbols: an MPICH
// library fails to bind, naming the missing symbol.
#ifndef LEAPFROG_CMPI_H
#define LEAPFROG_CMPI_H

/// Opens the first of `candidates` (NULL-terminated) that loads (RTLD_GLOBAL: Open MPI's plugins
/// resolve their symbols in it) and has every function and handle. Returns NULL on success, else a
/// message naming each candidate and its problem (valid until the next call).
const char *leapfrog_mpi_load(const char *const *candidates);

/// MPI_Init, errors returned rather than fatal on MPI_COMM_WORLD, and a SIGTERM/SIGINT/SIGHUP
/// handler that sets the flag `leapfrog_mpi_signalled` reads (mpirun sends SIGTERM to every rank
/// when one fails, SIGKILL one second later). Returns the MPI error code (0: success).
int leapfrog_mpi_init(int *rank, int *size);

/// The signal number that arrived since `leapfrog_mpi_init` (0: none).
int leapfrog_mpi_signalled(void);

/// Starts MPI_Iallgatherv of doubles over MPI_COMM_WORLD; `request` receives the request.
int leapfrog_mpi_iallgatherv(const double *send, int count, double *receive, const int *counts,
                             const int *displacements, void **request);

/// MPI_Test on `request`: `done` is set to 1 when it completed.
int leapfrog_mpi_test(void **request, int *done);

/// MPI_Abort on MPI_COMM_WORLD.
int leapfrog_mpi_abort(int code);

/// MPI_Finalize.
int leapfrog_mpi_finalize(void);

#endif
