// The OpenCL 1.2 C API as Leapfrog uses it, bound at run time.
//
// Swift calls the cl* functions declared by <CL/cl.h> as usual, but the executable does not link
// libOpenCL: opencl_stubs.c defines each function Leapfrog uses as a stub that forwards to the
// real one, found with dlsym once LeapfrogOpenCL's OpenCLLibrary has dlopen'ed the ICD loader
// (libOpenCL.so.1) at the first OpenCL call. So the binary starts, and samples with
// --backend cpu, on a machine without an OpenCL loader. Build time still needs the header
// (Debian: opencl-headers).
#ifndef LEAPFROG_COPENCL_H
#define LEAPFROG_COPENCL_H

// OpenCL 1.2 is what PoCL 3.1 and NVIDIA's driver both accept; 1.2 APIs only.
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

/// Points every stub at its function in `handle` (from dlopen). Returns NULL on success, or the
/// name of the first function `handle` lacks, in which case nothing is bound.
const char *leapfrog_opencl_bind(void *handle);

#endif
