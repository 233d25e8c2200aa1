// The netCDF-C API as Leapfrog uses it, bound at run time.
//
// Swift calls the nc_* functions declared by <netcdf.h> as usual, but the executable does not
// link libnetcdf: netcdf_stubs.c defines each function Leapfrog uses as a stub that forwards to
// the real one, found with dlsym once LeapfrogOutput's NetCDFLibrary has dlopen'ed libnetcdf.
// So the binary starts, and samples with --csv or no output, on a machine without libnetcdf;
// only reading or writing a .nc file needs it. Build time still needs the header
// (Debian: libnetcdf-dev).
#ifndef LEAPFROG_CNETCDF_H
#define LEAPFROG_CNETCDF_H

#include <netcdf.h>

/// Points every stub at its function in `handle` (from dlopen). Returns NULL on success, or the
/// name of the first function `handle` lacks, in which case nothing is bound.
const char *leapfrog_netcdf_bind(void *handle);

#endif
