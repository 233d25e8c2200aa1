// Stubs for the netCDF-C functions Leapfrog calls; see include/CNetCDF.h. Each forwards to the
// function leapfrog_netcdf_bind found in libnetcdf, or fails with NC_ENOTBUILT while unbound
// (NetCDFLibrary binds before any call, so that is only a safety net).
#include <stddef.h>
#include <dlfcn.h>

// Hidden: the stubs serve this executable only, and must not interpose on libnetcdf's own calls.
#pragma GCC visibility push(hidden)
#include "CNetCDF.h"

#define LEAPFROG_NETCDF_FUNCTIONS(X) \
    X(nc_close) X(nc_create) X(nc_def_dim) X(nc_def_grp) X(nc_def_var) X(nc_def_var_chunking) \
    X(nc_def_var_deflate) X(nc_def_var_fill) X(nc_enddef) X(nc_free_string) X(nc_get_att_double) \
    X(nc_get_att_string) X(nc_get_att_text) X(nc_get_vara_double) X(nc_inq_att) X(nc_inq_attname) \
    X(nc_inq_dimid) X(nc_inq_dimlen) X(nc_inq_dimname) X(nc_inq_grp_ncid) X(nc_inq_natts) \
    X(nc_inq_vardimid) X(nc_inq_varids) X(nc_inq_varname) X(nc_inq_varnatts) X(nc_inq_varndims) \
    X(nc_open) X(nc_put_att_double) X(nc_put_att_longlong) X(nc_put_att_text) X(nc_put_var1_longlong) \
    X(nc_put_vara_double) X(nc_put_vara_longlong) X(nc_put_vara_schar) X(nc_set_var_chunk_cache) \
    X(nc_strerror) X(nc_sync)

// One pointer per function, typed from <netcdf.h>'s own declaration.
#define LEAPFROG_FIELD(name) __typeof__(&name) name;
static struct { LEAPFROG_NETCDF_FUNCTIONS(LEAPFROG_FIELD) } real;
#undef LEAPFROG_FIELD

const char *leapfrog_netcdf_bind(void *handle) {
    __typeof__(real) found;
#define LEAPFROG_RESOLVE(name) \
    found.name = (__typeof__(&name))dlsym(handle, #name); \
    if (found.name == NULL) return #name;
    LEAPFROG_NETCDF_FUNCTIONS(LEAPFROG_RESOLVE)
#undef LEAPFROG_RESOLVE
    real = found;
    return NULL;
}

#define FORWARD(name, params, args) \
    int name params { return real.name ? real.name args : NC_ENOTBUILT; }

FORWARD(nc_close, (int ncid), (ncid))
FORWARD(nc_create, (const char *path, int cmode, int *ncidp), (path, cmode, ncidp))
FORWARD(nc_def_dim, (int ncid, const char *name, size_t len, int *idp), (ncid, name, len, idp))
FORWARD(nc_def_grp, (int parent_ncid, const char *name, int *new_ncid), (parent_ncid, name, new_ncid))
FORWARD(nc_def_var, (int ncid, const char *name, nc_type xtype, int ndims, const int *dimidsp, int *varidp),
        (ncid, name, xtype, ndims, dimidsp, varidp))
FORWARD(nc_def_var_chunking, (int ncid, int varid, int storage, const size_t *chunksizesp),
        (ncid, varid, storage, chunksizesp))
FORWARD(nc_def_var_deflate, (int ncid, int varid, int shuffle, int deflate, int deflate_level),
        (ncid, varid, shuffle, deflate, deflate_level))
FORWARD(nc_def_var_fill, (int ncid, int varid, int no_fill, const void *fill_value), (ncid, varid, no_fill, fill_value))
FORWARD(nc_enddef, (int ncid), (ncid))
FORWARD(nc_free_string, (size_t len, char **data), (len, data))
FORWARD(nc_get_att_double, (int ncid, int varid, const char *name, double *ip), (ncid, varid, name, ip))
FORWARD(nc_get_att_string, (int ncid, int varid, const char *name, char **ip), (ncid, varid, name, ip))
FORWARD(nc_get_att_text, (int ncid, int varid, const char *name, char *ip), (ncid, varid, name, ip))
FORWARD(nc_get_vara_double, (int ncid, int varid, const size_t *startp, const size_t *countp, double *ip),
        (ncid, varid, startp, countp, ip))
FORWARD(nc_inq_att, (int ncid, int varid, const char *name, nc_type *xtypep, size_t *lenp), (ncid, varid, name, xtypep, lenp))
FORWARD(nc_inq_attname, (int ncid, int varid, int attnum, char *name), (ncid, varid, attnum, name))
FORWARD(nc_inq_dimid, (int ncid, const char *name, int *idp), (ncid, name, idp))
FORWARD(nc_inq_dimlen, (int ncid, int dimid, size_t *lenp), (ncid, dimid, lenp))
FORWARD(nc_inq_dimname, (int ncid, int dimid, char *name), (ncid, dimid, name))
FORWARD(nc_inq_grp_ncid, (int ncid, const char *grp_name, int *grp_ncid), (ncid, grp_name, grp_ncid))
FORWARD(nc_inq_natts, (int ncid, int *nattsp), (ncid, nattsp))
FORWARD(nc_inq_vardimid, (int ncid, int varid, int *dimidsp), (ncid, varid, dimidsp))
FORWARD(nc_inq_varids, (int ncid, int *nvars, int *varids), (ncid, nvars, varids))
FORWARD(nc_inq_varname, (int ncid, int varid, char *name), (ncid, varid, name))
FORWARD(nc_inq_varnatts, (int ncid, int varid, int *nattsp), (ncid, varid, nattsp))
FORWARD(nc_inq_varndims, (int ncid, int varid, int *ndimsp), (ncid, varid, ndimsp))
FORWARD(nc_open, (const char *path, int mode, int *ncidp), (path, mode, ncidp))
FORWARD(nc_put_att_double, (int ncid, int varid, const char *name, nc_type xtype, size_t len, const double *op),
        (ncid, varid, name, xtype, len, op))
FORWARD(nc_put_att_longlong, (int ncid, int varid, const char *name, nc_type xtype, size_t len, const long long *op),
        (ncid, varid, name, xtype, len, op))
FORWARD(nc_put_att_text, (int ncid, int varid, const char *name, size_t len, const char *op), (ncid, varid, name, len, op))
FORWARD(nc_put_var1_longlong, (int ncid, int varid, const size_t *indexp, const long long *op), (ncid, varid, indexp, op))
FORWARD(nc_put_vara_double, (int ncid, int varid, const size_t *startp, const size_t *countp, const double *op),
        (ncid, varid, startp, countp, op))
FORWARD(nc_put_vara_longlong, (int ncid, int varid, const size_t *startp, const size_t *countp, const long long *op),
        (ncid, varid, startp, countp, op))
FORWARD(nc_put_vara_schar, (int ncid, int varid, const size_t *startp, const size_t *countp, const signed char *op),
        (ncid, varid, startp, countp, op))
FORWARD(nc_set_var_chunk_cache, (int ncid, int varid, size_t size, size_t nelems, float preemption),
        (ncid, varid, size, nelems, preemption))
FORWARD(nc_sync, (int ncid), (ncid))

const char *nc_strerror(int ncerr) {
    return real.nc_strerror ? real.nc_strerror(ncerr) : "the netCDF library is not loaded";
}
#pragma GCC visibility pop
