// Forwarders to Open MPI's functions; see include/CMPI.h. Handles are opaque pointers here, as
// they are in Open MPI's own ABI (MPI_Comm, MPI_Datatype, MPI_Request, MPI_Errhandler).
#include <dlfcn.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#pragma GCC visibility push(hidden)
#include "CMPI.h"

typedef void *handle_t;
static struct {
    int (*Init)(int *, char ***);
    int (*Comm_rank)(handle_t, int *);
    int (*Comm_size)(handle_t, int *);
    int (*Comm_set_errhandler)(handle_t, handle_t);
    int (*Iallgatherv)(const void *, int, handle_t, void *, const int *, const int *, handle_t, handle_t, handle_t *);
    int (*Test)(handle_t *, int *, void *);
    int (*Abort)(handle_t, int);
    int (*Finalize)(void);
    handle_t comm_world, mpi_double, errors_return;
} mpi;

static char problems[4096];

static const char *bind(void *h) {
#define RESOLVE(field, symbol) \
    if ((*(void **)&mpi.field = dlsym(h, symbol)) == NULL) return symbol;
    RESOLVE(Init, "MPI_Init") RESOLVE(Comm_rank, "MPI_Comm_rank") RESOLVE(Comm_size, "MPI_Comm_size")
    RESOLVE(Comm_set_errhandler, "MPI_Comm_set_errhandler") RESOLVE(Iallgatherv, "MPI_Iallgatherv")
    RESOLVE(Test, "MPI_Test") RESOLVE(Abort, "MPI_Abort") RESOLVE(Finalize, "MPI_Finalize")
    RESOLVE(comm_world, "ompi_mpi_comm_world") RESOLVE(mpi_double, "ompi_mpi_double")
    RESOLVE(errors_return, "ompi_mpi_errors_return")
#undef RESOLVE
    return NULL;
}

const char *leapfrog_mpi_load(const char *const *candidates) {
    problems[0] = 0;
    for (const char *const *name = candidates; *name; name++) {
        size_t used = strlen(problems);
        void *h = dlopen(*name, RTLD_NOW | RTLD_GLOBAL);
        if (h == NULL) {
            const char *e = dlerror();
            snprintf(problems + used, sizeof problems - used, "%s%s", used ? "; " : "", e ? e : *name);
            continue;
        }
        const char *missing = bind(h);
        if (missing == NULL) return NULL;
        memset(&mpi, 0, sizeof mpi);
        snprintf(problems + used, sizeof problems - used, "%s%s: has no symbol %s (Leapfrog needs Open MPI)",
                 used ? "; " : "", *name, missing);
        dlclose(h);
    }
    return problems;
}

static volatile sig_atomic_t signalled = 0;
static void on_signal(int s) { signalled = s; }

int leapfrog_mpi_init(int *rank, int *size) {
    int rc = mpi.Init(NULL, NULL);
    if (rc) return rc;
    mpi.Comm_set_errhandler(mpi.comm_world, mpi.errors_return);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    if ((rc = mpi.Comm_rank(mpi.comm_world, rank))) return rc;
    return mpi.Comm_size(mpi.comm_world, size);
}

int leapfrog_mpi_signalled(void) { return signalled; }

int leapfrog_mpi_iallgatherv(const double *send, int count, double *receive, const int *counts,
                             const int *displacements, void **request) {
    return mpi.Iallgatherv(send, count, mpi.mpi_double, receive, counts, displacements, mpi.mpi_double,
                           mpi.comm_world, request);
}

int leapfrog_mpi_test(void **request, int *done) { return mpi.Test(request, done, NULL); }

int leapfrog_mpi_abort(int code) { return mpi.Abort(mpi.comm_world, code); }

int leapfrog_mpi_finalize(void) { return mpi.Finalize(); }
